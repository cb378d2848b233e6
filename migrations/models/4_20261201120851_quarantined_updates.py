from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "quarantined_updates" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "update_id" BIGINT NOT NULL UNIQUE,
    "reason" VARCHAR(1000) NOT NULL,
    "raw_json" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "quarantined_updates" IS 'A Telegram update kept raw (its JSON, made storable) with the reason it was set aside.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "quarantined_updates";"""


MODELS_STATE = (
    "eJztXetv27YW/1cIf0oAr0jcvFcMcNJ0y10eXeLeDWsGmZZomzcS5YpUHKPL/355KMl6K5"
    "JrO46gL21EnkNSv8PHeYn+3rJsg5j8XdewKGudoO8thi0i/4hXtFELTyZhMRQIPDAVJQYS"
    "VYQHXDhYF7J0iE1OZJFBuO7QiaA2NN/qIpcTB4kxQfaUyb+gOwNhjlQrJ8jCDI8IR45rEt"
    "5GzBZeDX8HHRi2LnugbLSEtlxGv7lEE/aIyCYc2eLXf2QxZQZ5Ijx4nDxoQ0pMI4YNNaAB"
    "Va6J2USVXTDxSRHCMAeabpuuxULiyUyMbTanpkxA6YjIcWNBoHnhuAAYc03TRzbA0BtpSO"
    "INMcJjkCF2TYAduL0BhGUtTbu+6Wl35z1Na6VEEnBEkPWLdJuBOOVQuXr7EQzhp87u3uHe"
    "0fuDvSNJooY5Lzl89roOgfEYFTzXvdazqscCexQK4xBUEKaWhewpHeWCG2F6GeEAz02H+L"
    "jTef/+sLPz/uBof+/wcP9oZ451uqoI9NOLXwF3SWDLZemt1kAQIfDq/xTqZ2PsZGMe0CcA"
    "ly+yCOBBQYh4uHXM4W2tCnALP2kmYSMxhom8f1AA5n+7t2e/dW+3JNV2HNJrv6rj1cXRxY"
    "ZBDG0wqzavo1zLmdhlcK7d1PZgxCIN/kcJnaAWKYLf40vAb/iM74I/3qIwHIKNG2bO/P2t"
    "AOfexdX5Xa979Rm6szj/Zir0ur1zqOmo0lmidCu5QOaNoD8ver8heER/31yfK3htLkaO6j"
    "Gk6/3dgjFhV9gas6ealEe4FQelAWrPcE4PHyKHChQMsP4wxY6hpWrsjp1Hm66yOlayRGkV"
    "hg8uDNNXlT4Skz4SZ5alRs3rCjUpw6OipKQ2dcMIknNKIHuIprbzgCjz1CFXDOynE4QRoI"
    "u2bAdhhrA5cK028h6IQcU2GsoHWzYi2xWUYWg3rWetpJd7ds++qOUgq9AWqGjtKEEbcdt1"
    "dIL0MRZt1f82dOWQiYlnUs1zJ7AAESMSMESYbMiVqp6YUp3Ixvt94Oj3EeWo37dOPliEcy"
    "k2qSv8IkthRN6w27J6BNUGxdrIsd1JlMR/HfmHAW2SWDsnH+D1NBhGhAHK3qGe3BikHuoQ"
    "RCa2PkacyCVocPlSEjoskOGSn5hsCum2NZFk/J4BpFzOGjTFM8Dks78woHN098clFSRPb/"
    "3aAvz8DUFoAJmvFKlnMYb17pd4sEZpAKnWPwnd96s8z7FweVaj8l9J/TVVLl9RECa0MeZj"
    "r8HS2nPRWVgzBXotR2C+mp0UWnk5JDkbvWRhvSS9LCuKIca7PkHs1EoK6a2wvBTSvM1yWF"
    "gQ6gRKwZ9vgQb067NAVwl5zAY9LmOCHudboMcpA9SfqaHiwtNQ/+fu5rpwnie4kzYR1QX6"
    "F5mUr2zOtz4MXaYDtmjgUlOAFw/6+2VVroECMQBaMXMogH/rqvtXUjJnlzenSTsHGjhNiO"
    "lBvn2VNRDQr9ELA6+wHk/MUYlFcJS7Bo6SS2CCZ6aNM+DNn/cRls2Y7NBtbSZ7zFKoMOmT"
    "fAtNfl/n38z9/2CvxNQ/2Mud+1CV2P/ndlxZlEOOdW4uhBkA01pQ3u2UQHm3k4syVCU8jU"
    "IQayIycM738UZYaqPC/2B4KGIiuSTTcftJbst5ltGcJQHnEHjeoGpYANjHmy+nl+fo8+35"
    "2cXdhb9Fzx2xqlJ5e76ZVCgMbs+7lwmITYI50VwmqFkJ5wTfgmBv2Da8Yqx1E1MrJxBUcN"
    "7FuJrT7uXTzsRcaMRxbKcKznGu+uG8u7OzU+bEk2T5Z56qTMxqhwAiVTfqOFuzWZfZQIaU"
    "UT6ujnWCr9msS2AN0ZRMj2CuLhfhqJMf8Ie0uVRYNg5wxiy2HUJH7HcyUyBfyBFhpmflmv"
    "hR1Vu/mTcG7nMwe4LScIE5eDqPmEUnlXx3+cbEm7Fn3buz7sfz1vPrxLk/ceuW6LYTj+ql"
    "KttFke4htzRH0ZULdedj+wNpfA+kkjLmky/HJn7dSGQi7Wm/VNrTfkHa0/72C2FH8ClUyj"
    "KbM9RPG1si4BF7WSJfxcEZ0DfezaV7N73UlEXyzuKcTebZpmSeBRhFUs/U6Dck8+zKi85d"
    "UvaQdSZHqwtP5SDKZ0rK0gn9PpNKCRvYAnHChJ9g5adw+RSQ0qXSo7yUJsjkooQjHTNJbp"
    "r2FFGRleW//A5yU6hyc6RSYVB/DbyQbDXBTmZqVYn2m/ypzcyfamzDZXv6mzScDUnDydzk"
    "Kssizt6I48eSBJtMzQ0QQpOpuQlSWHRfymBuFsTColAqbQr/OwubZq4EAp7aTP/3ncODOc"
    "rwUITr3VX38jINZBM7W2k8Z0NM8z9c7GAmKCPGF+XcaWUY6GmidpGZ/i0k1zyPUWljvUdM"
    "MnKwFXw+9UAmAjl4irbAagZnVhtZ2CCIC7kJyP620ZSKsbK95cTjNpM2NJpiLq1wgTCnBs"
    "ky2VfVzZK/2W+s5nVZzd48qP55f5St+cB/wSPbW1FVgi8hRw0/sVhVMgzEbv+XCXSPPOX5"
    "hiI8tYC6yKF//levONYyP9cvb65/DciTAZjyWlRxrKVQkWpiLa8Wa9nwr/xvydDlUk/jSv"
    "1IqXLR6kIlzvEINbjBprT6BhRsRBw0HdtoZAulME1sUH2RahCbP0PZDEkFCVQom+mSQDL4"
    "tVLNYoY99S5DgnLfLs5S4lbb2Q+ocs1NQRui1QVzuPrmG+es4eb7RjbbjMD2hu22j5RMPx"
    "Kdck8AGRtujOKFPRdopbA94pLb7p9wYQfcPALMchcDdoMYfgjav7NlBrejYHXVHNyP4hEj"
    "GEN6a11Gg40l/Eb3zEC8C7ixY4yr8qXWVSJNBH91EfzNUMg2A9R133CnEimr+HZCjlo4HB"
    "K+nTLXZ+zmX5+xm7o+Q5CnDO0236MT0NchbXndzhxfEVrAnohz1tCeaJw5KzEvXDMzIBd8"
    "WFRgSsCd0mXtB+IQddkgRyP7xE9a5eje7ewed6KXHvK2FwYbUlMQx8tiBScMl5aBhbggk4"
    "xrsJfbPNzL2O/7bfT7iqbfjzYChbJD+EKAg43S73+/b/nJRvdyQHLGttF9a5734pehf9G1"
    "zUhbdtASVJgEyuVbPPf7P8s2/DF5NzZi9Ek93k2I7o9AjU7WqosnHUO+cmrsbYRN8549Yp"
    "OqLHo0mHkBRRAVktrGI9UJGhDJQTy/FbwHx4/EaC4E38ALwTf/Xuq1qTXL/04etMDHDHhP"
    "bdskmOWrjo9ZGA8k16pADqb0evWb05uby9j5eXqRVGC+XJ2eS2VSgR6mn2RlTClXZ/UobI"
    "qxDjplfGLvlwrF7hdEYvfTgVg4rqvgHNCv8bYj3Z7MWm/UIvKVgzTCL90i2FwduJrvDaPa"
    "WRWpJPka0SxdNL5aW0UqEZbNEEitvs1VlkKlrStg2Axh1Gp1qPvzIaNAr3QRQ4Jtjcc29P"
    "xWj20vglhR4w+Z1qjxz0verMqPqTbE1HSdSnponGuN03psz0fz5qa1BE255yoCPeepn021"
    "Wza9tSi7NQUzfD+vMTINLweo4jhIczf7SYX9JMhVrfozYnG+hcKsmzbVXyXK2mQZ5wukXo"
    "Gp5h6fOks9I92x6j0+qUwumuUKO/V5P/1+S0yck3CR8dtwb2waPAcTP3GT4fMqg7Zdibk+"
    "bmWEbf2aduGvFYc0r3LpYBMqXEGoUC6fIPu3rA0QYalhwHAlVwzCoqqAsE9eQ3RXYmH5v2"
    "1SxTcZYVm/d/J18s6W5od81Qyk5/8DsHGcYQ=="
)
