from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Partial indexes the outbox claim relies on (Tortoise models can't declare partial indexes).
    return """
        CREATE INDEX IF NOT EXISTS "idx_deliveries_unfinished_chat"
            ON "deliveries" ("dest_chat_id", "id") WHERE "status" IN ('pending', 'in_flight');
        CREATE INDEX IF NOT EXISTS "idx_deliveries_pending_due"
            ON "deliveries" ("due_at", "id") WHERE "status" = 'pending';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_deliveries_unfinished_chat";
        DROP INDEX IF EXISTS "idx_deliveries_pending_due";"""


MODELS_STATE = (
    "eJztXWlv4zYT/iuEP20Ad5E4d7oo4Fxt2hz7Jt626KaQaYm2iciUV6TiNbb57y+HkmzdkR"
    "zbkQV9aWNyhqSe4TEXuT8aI8sgJv/YNkaUNU7QjwbDIyL/CFc0UQOPx/NiKBC4ZypKDCSq"
    "CPe4sLEuZGkfm5zIIoNw3aZjQS1ovtFGDic2EkOCrAmTf0F3BsIcqVZO0AgzPCAc2Y5JeB"
    "MxS7g1/CN0YFi67IGywRLachj95hBNWAMim7Bli1//lcWUGeQ74f7P8ZPWp8Q0QthQAxpQ"
    "5ZqYjlXZFROXihCG2dN0y3RGbE48noqhxWbUlAkoHRA5biwINC9sBwBjjml6yPoYuiOdk7"
    "hDDPAYpI8dE2AHbncA87KGpt3edbSHi46mNWIi8TkCyHpFusVAnHKoXH39AIbwU2tn73Dv"
    "aPdg70iSqGHOSg5f3K7nwLiMCp7bTuNF1WOBXQqF8RxUEKaWhOwpHaSCG2B6HWEfz7JDfN"
    "xq7e4etrZ3D4729w4P94+2Z1jHq7JAP736FXCXBJZclu5q9QUxB179P4b62RDbyZj79BHA"
    "5YcsArhfMEd8vnXM4G2sCvAR/q6ZhA3EECby/kEGmH+2789+a99/kFRbYUhvvaqWWxdGFx"
    "sGMbTetNi8DnItZ2LnwblyU9uFEYs4+OcSOkFHJAt+ly8Cv+ExfvT/2ERh2AQbd8ycevtb"
    "Bs6dq5uLh0775jN0N+L8m6nQa3cuoKalSqeR0g/RBTJrBP111fkNwU/0z93thYLX4mJgqx"
    "7ndJ1/GjAm7AhLY9ZEk/KYb8V+qY/aC5zT/afAoQIFPaw/TbBtaLEaq2Wl0carRq1RtERp"
    "FYYHLgzTU5XOiUmfiT1NUqNmdZmalOFSUZJTm7pjBMk5JZDVRxPLfkKUueqQI3rW9xOEEa"
    "CLPlg2wgxhs+eMmsj9QQwqtlBf/rBkI7JdQRmGduN61kp6eWSP7ItaDrIKfQAVrRkkaCJu"
    "ObZOkD7Eoqn634KubDI28VSqec4YFiBiRAKGCJMNOVLVExOqE9l4twsc3S6iHHW7o5NPI8"
    "K5FJvUFX6RpTAid9hNWT2AaoNibWBbzjhI4n2O/MOANkmonZNP8HkaDCPAAGUfUUduDFIP"
    "tQkiY0sfIk7kEjS4/CgJHRbIcMhPTDaFdGs0lmT8kQGkXM4aNMFTwOSztzCgc/Twv2sqSJ"
    "re+rUB+HkbgtAAMk8pUr/FENa7V+LCGqQBpBr/RnTfr/I8x8LhSY3K/0rqr7Fy+YmCMKEN"
    "MR+6DebWnrPOwoop0Gs5AtPV7KjQ8sshylnrJQvrJfFlWVAMId71CWK7UlKIb4X5pRDnrZ"
    "fDwoJQJ1AM/nQL1KdfnwW6SshDNuhxHhP0ON0CPY4ZoN5MnSsuPA717w93t5nzPMIdtYmo"
    "LtB/yKR8ZXO+8anvMB2wRT2HmgK8eNDfL6tyDWSIAdAKmUM+/B9u2n9HJXN2fXcatXOggd"
    "OImJ7k1xdZAz79Gr0w8Anr8cQc5VgER6lr4Ci6BMZ4alo4Ad70eR9gKcdkh24rM9lDlkKB"
    "SR/lW2jyezp/Off/g70cU/9gL3XuQ1Vk/5/ZcXlRnnOsc3MhzACY1oLyTisHyjutVJShKu"
    "JpFIKMxiIB53Qfb4ClMir8G8NDARPJIYmO20u5LadZRjOWCJx94NlA1TADsPO7L6fXF+jz"
    "/cXZ1cOVt0XPHLGqUnl7vplUKAzuL9rXEYhNgjnRHCaoWQjnCN+CYJdsG14x1rqJ6SglEJ"
    "Rx3oW46tPu9dPOxFxoxLYtuwjOYa7q4byzvb2d58STZOlnnqqMzGqbACJFN+owW71Z59lA"
    "+pRRPiyOdYSv3qxzYA3RlESPYKouF+Cokh/wTdpcLCwbBjhhFls2oQP2B5kqkK/kiDDTk3"
    "JNvKjqvdfMhoH74s8ev3S+wGw8mUXMgpNKfrv8YuLO2LP2w1n7/KLx8j5x7ks+uie6ZYej"
    "erHKZlaku89Hmq3o8oW607F9QxrfEymkjHnky7GJ3zcSGUl72s+V9rSfkfa0v/VK2BF8Co"
    "WyzGYM1dPGlgh4wF6WyBdxcPr0tXdz6d5NNzVlkbyzMGedeVaWzDMfo0DqmRp9STLPbtzo"
    "3DVlT0lncrA681T2o3ympMyd0O8xqZSwniUQJ0x4CVZeCpdHASldKj3KTWmCTC5KONIxk+"
    "SmaU0QFUlZ/svvIDWFKjVHKhYG9dbAK8lWY2wnplblaL/Onypn/lRtGy7b01+n4ZQkDSdx"
    "kyssizB7LY63JQnWmZolEEKdqVkGKSy6LyUw1wtiYVEolTaG/8MIm2aqBHyeykz/3dbhwQ"
    "xl+JGF68NN+/o6DmQdO1tpPKckpvk96TucGF+4MjNjpnmwupllmtsuoQYXnnOb5kDBBsRG"
    "k6GFBtJ0BhN6bAFSSDWIzZ+hbIqkIYzghheT1vRYMni1aCInhDVx785DubeNJpnpq+3sDW"
    "7++mJ5WUxnbw4X94uGOSvoF91cP2ipruDek2dKJudEp9wVQMKGG6J4Zc8FWilslzjntvsX"
    "3O+Ei6rALHcxYDeI4XksvSu+U7hMi9XLJHCd1iVGMIb41rqMBpf82EntblzXnumLdwGrJ8"
    "S4KtW7qhKpHb6rc/iWQyErB6jrfhBFxd3jyKfnYcw5KnjbcifPbcud9NuWO7HbloJ8T9Bu"
    "O7I0GV6fvgpZLllK7MXfnZD+GsuzmOmw13e3v/rk0eSLqFdQKUIL2BNhzgraExuaZ1HyF3"
    "5UvmmSUeHloWaYEvAEYV77gdhEvU3D0cA68XIcOHp0WjvHreAbObyJJlQMUZ+agthu0gM4"
    "Ybi0DEaICzJOeDVxuc3DMz7drtdGt6tout1gI1AoO4SEMg42Srf747HhxaYe5YDkjG2ix8"
    "YsTOKVof/QrcVIU3bQEFSYBMrlV7x0uz/LNrwxuQ/8YHSpfj6Mie6NQI1O1qp3imxDfnJs"
    "7E2ETfORPWOTqqQr1JsqciUqJLWNZ6oT1COSg7h+K/gOjp+JUb8fWcL3I8v/jOEGX6sCLf"
    "A5Ad5TyzIJZumq43MSxj3JtSqQ/Sm9Xv3m9O7uOnR+nl5FFZgvN6cXUpncCkcrkgJsytUp"
    "t0NeTFOPMVZBpwxP7P1c19j2M26x7ccvscFxXQRnn36Nl+N1azxtbKhF5CkHcYRfe3Smfm"
    "lmNenpQe2siFSifLVoli4aT60tIpUASzkEUqmrHMpSKLR1+QzlEEalVod6bhUyCvRC9/Yi"
    "bGs8tqHnTT223QhiQY1/zrRGjX9WsrEqP6ZaH1PTsQvpoWGuNU7roTUbzcZNawmacs8VBH"
    "rGUz2baifv0yBZL4PEYIbrVhojk/ldsiKOgzh3vZ8U2E/8HNGi/+pEmG+hMGvZpvq7RFmz"
    "UnuzA1OZ2b11YOqkbIGp+tp3laWekO5Y9Np3LJOLJrnCTj3eyz/uiYlTEi4S/imRDZsGaQ"
    "/fvKwyaNuWmOvDRkLY1qtpZv7jdnOad3mjpg4VriBUKJePn/2b1wYIsFQwYLiSF2lgURVA"
    "2COvILorsbC8p7CL+CYDLOv3Tr5P3tnS/JDvmoH08n+07X2O"
)
