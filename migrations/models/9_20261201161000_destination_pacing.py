from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "destination_pacing" (
    "chat_id" BIGINT NOT NULL PRIMARY KEY,
    "quiet_start" SMALLINT,
    "quiet_end" SMALLINT,
    "interval_s" INT NOT NULL DEFAULT 0,
    "next_at" DOUBLE PRECISION NOT NULL DEFAULT 0
);
        CREATE TABLE IF NOT EXISTS "owner_settings" (
    "id" SMALLINT NOT NULL PRIMARY KEY,
    "timezone" VARCHAR(64) NOT NULL DEFAULT 'UTC'
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "destination_pacing";
        DROP TABLE IF EXISTS "owner_settings";"""


MODELS_STATE = (
    "eJztXe1T2zgT/1c0+fLATK5TUmgp17mZQGmPOwp3EJ57KTeOsJXEhyO7ltw0c8f//mhlO3"
    "6TjR2S4Pjxl5ZIu7L8k7xa7a5W/3SmtkEs9qJvTE3aOUL/dCieEvFHsqKLOthxomIo4PjO"
    "kpQYSGQRvmPcxToXpSNsMSKKDMJ013S4aUPznT7yGHERnxBkz6j4Cx5nIMyQbOUITTHFY8"
    "KQ61mEdRG1uV/DXsADDFsXTzDpeAVtedT84hGN22MimnBFi5//EsUmNcg3wsKfzr02Moll"
    "JLAxDWhAlmt87siyM8o/SELo5p2m25Y3pRGxM+cTmy6oTcqhdExEvzEn0Dx3PQCMepYVIB"
    "ti6Pc0IvG7GOMxyAh7FsAO3H4HorKOpl1cDrTr04GmdTJDEnLEkA2KdJvCcIquMvn2Y+jC"
    "d729/Tf7h69e7x8KEtnNRcmbB//RETA+o4TnYtB5kPWYY59CYhyBCoOpqZA9Nse54MaYHk"
    "c4xLPuEL/t9V69etN7+er14cH+mzcHhy8XWGerikA/PvsIuAsCW3yW/tcaDkQEvPw/g/rJ"
    "BLtqzEP6FODiRZYBPCyIEI9ExwLezroAn+JvmkXomE9gIh+8LgDzv/2rkx/7VzuCajcJ6U"
    "VQ1fPrkuhiwyCGdjevNq/jXKuZ2GVwbtzU9mHEPAv+ewEdN6ekCH6fLwW/ETC+CP/YxsFw"
    "CTYuqTUP5FsBzoOzT6fXg/6nX+BxU8a+WBK9/uAUanqydJ4q3Ul/IItG0G9ngx8R/ER/Xl"
    "6cSnhtxseufGJEN/izA33CHrc1as80MR6RKA5LQ9QeYJ0e3ccWFSi4w/r9DLuGlqmxe3Ye"
    "bbZq2pumS6RWYQTgQjdDVcm8YVhO86wWFVQV61Gm5i2oHtWkPrr2F8Tte0IZsimRSs5/GB"
    "Ktml+Jawq1R6yNhqiStQaeo52bwcluF2FqoIk9A+1ojnRsWQxUqLloy77PKlnre4xC//rc"
    "geaD9Vy01fkrpZF9jkpLK2ZFYrZhutlGpGu+BhcbvJK6cYyjSavcE3XkCFGY7cqlSw1nQF"
    "60Ym0hqAWIwYqTgsxx7anDNV9kVZMGGdbNzcmXDRAM0RjoAkeLQF+XGgclezsWS44FLL0V"
    "RPKCvjGAP0ka10W3tIjLPwTwZNXLqLZYwwQ6TaJc2l4nqZFJkckZkg2gmRhMe3aEZhOpuc"
    "VrCOXI9ngXucQhWJSD0W1OOPy2XTFtVGa8dTziCda9e6JYdPPNIQH5aqwhz6tFpqwhB6Ws"
    "IQcF1pCD3UdURm5yS2F8GpBvOeJpwbA569PzqDaD098HiT13iOvOp/7vu4l99/nlxceQPD"
    "YOJ+eXx2l9knBsWlXwjjhawJcA3JdjGuPYVRihPlg2zsE9zZhCfwSczcL//eXN8fkp+uXq"
    "9OTs+uzyImlakpVQJApMLjG4Ou2fp+BmhCpgPrZti2CqBjpkSQF8J3jWhe+iZLMAH19eni"
    "cm+PFZegbffDo+vdrZ200CnVUqg6W3yk4/4mgVy7oplteEJlWgTGUJtVJ8SEZZrZIGyhyf"
    "4LhGd08cjjCamtTjBI1s37mrYwfZI1E+IjOfjy2IFOrkattesZe4NUZuyhgJcl3p+SlYdG"
    "M861tvNzkUa1huayK33vsOiLlKbC3qCqVW5MIoJ7QuKUFiWDnIi5nt3sOGVcaeePzO/nYk"
    "xAa4stCOkCwYZNCdN+0i/wcxTL4rZY50khDGTYqh3az4WstTbuktvZEzEhw1O2B178YJuo"
    "jZnqsLcShkZlc+fxceJRZtC8+JgTwHbMeIEgEYIlQ05BGG+MzUiWh8OASO4RCZDA2H06N3"
    "U8LAkaWZxg+iFHrkd7srqsdQbZhYG7u258RJgtcBzxG0SRLtHL2D19OgGzEGKHuBBqYgRN"
    "gliDi2PkGMiM/AYOKl/EXA8Mh3VDSFwLAoyNgtBUiZmDVohueAyS+BF1K6ra5/PTfzxb/v"
    "pAo+Sq4BZKHHCn7zCThXgxIf1jgNIKVwawk9n3tM1aj4V1B/zpSLV+QgriaYTVqPWE0Xof"
    "SglR+HNGeT3GMbtoBnP8uKw5DgbczuZcOjkBWF5Uchy9t+DksPhFyBMvDn27dD+kbY/5Im"
    "7rdl4v3e5of7vc1E+wUzNVJcFDaSn64vLwrneYo77c43dY7+RZbJ1jbnO+9GHtUBW3TnmR"
    "aHkGl43g+dze9TAK1is2zaAttNBpVBA2mz7L1JFSKowMcT0G8w5BVeYV1wJ7+CwxIfwWHu"
    "N3CY/gQcPBebZQW8+fM+xlKPyQ6PbcxkT+wUKkz6NN9Skz/Q+esp/1/vl5j6r/dz5z5Upe"
    "T/Yh9XFuWIY5PChVADYNoIynu9Eijv9XJRhqpUWDfnZOpU8j/EWRqjwq8uztAjVW2lEUvr"
    "mizjmrQIZkTzKFf53wtwTvEtCXbNxPCasdYtbE5zTt0UrHcJrna1e3y1szDjGnFd262Cc5"
    "KreTjvvXz5ssyKJ8jy1zxZmZrVLgFEqgrqJFsrrMsIkJFJTTapjnWKrxXWJbBuT42sJZwk"
    "CbBiFtsuMcf0ZzKXIJ+JHmGqq0IrA6/qVdDMloH7EM6esDT6wFw8W3jM4pNKvLt4Y+LP2J"
    "P+9Un//Wnn4Xn83ELY2IZYS5Vx31Flt8jTPQIyaT0vHfUNxL7zVMcUcXxPELVRYJhEd2Qk"
    "Zg8auQT2AGjnb49xBMETiNtdJB27aCRHQ7p+93tvd1Vx3+t5yBMidpZyTqzcK9H6TTvBoF"
    "dbeyOeNnin3sE7Um7lBR1GlSWEWoWgw0++XJHHkJHkRpY5Ffi4SMh6NLaFXBFyxA+BUUcL"
    "+kHZilQ0K277cRH2OS52wrC1NgqkntKsHstKPZTcTUcdtFGga9/ABQpbFWt8nKVJs7sJJw"
    "I+sOkV0W1XvTgvKosXZzbVXElXbnHOx7k9x7kV5zjBi1kpidiCoXn23xUCHs8EwnEW3/yQ"
    "ipC+jaeQS9oq4yn8YPhl0oolOdvEYnVJLBZiFMssJntfkxU52F2em/RetSbHqwtX5TCu0B"
    "KUpS2BoTkO9qh3dmCB8490BIdGAgo4RCIPZPiHKODsCKQHA9PeyLYse4ZMrrICrv4Bj2UW"
    "y4YTZwIvg2/gkeMdDhzOVhzmKNF+u1ev51699UatOraoDfyviy1EJeQqj0WSvR2Opx1Las"
    "+G1WAQ2rNhdRiFZeWSgrn9IJYeCkeZqOh6ii0rP2+mOkfR9k7/V703rxcow48iXK8/9c/P"
    "FXkX22i9/wNP9q8edjHlJiXGjTTudBQb9CxRt2ib/iUi13yLUenN+oBYZOziaZiwQbqaXT"
    "xDO7BrBmNWF02xQRDjQgiI5+2imckncu8tJh6zIQcjmmEmduEcYWYaqgw7a3tMm2yn1qtE"
    "wd0tch5Uv70lztYGTy25ZPtfVBXnS8TRwEPd6wq/h2jRv5VA52fPjPM0Auoig/468mcWaV"
    "HFvpZCRar1tTybr6Xml7hcEZ3AckXHxHVcP1w8o9BliQoVOleSix4s6EsqdAOIJoy4/EyF"
    "Mv9XlNxQBhYmcnmB74QS7H5neI5l6qCgMc9xxPAwZcqxtT2lTBhjXrqrNpyxtspea7isgd"
    "JX0azQmhOKzQkJP4k5FkLOcxXxTIX+kThbO7OXntnUm94RV3llDMXuXA1+jCmdyHse2E+2"
    "DPwiHINApYUmJxTt47OL/tUfalX7WBHYdPzH4LSvuAi0Ku4hS4v6sqi3/vGaCJ5lHVCt7+"
    "kJA1Cbbd8I7rG8YXKbotjwRdXd4q2eJNTgXurSVnuggO0Xmk1sNLa5tJM7NqgoSDaIre/9"
    "yzPFRgos5zbVBYFgCGqDw2P+FedQHkxJle1+vQ97ggW/vf+7Jvu7cA5Xt7klORtoc9sSG5"
    "sinrlmRravJpm9J7rJ/AFQCNwExSMyF2jFYPvEJcXub2DbghT3wCykGLAbxAgij4PLAea+"
    "MQxCPCERv0+MoA9Z0bqKBlsH6JbKzHB4lzCJJRjXpT02dUTawO31BW7XQyGrB6ibtu7K83"
    "NZ5PNd+hFHI/zMKZd+mTzte/l52vcyedo5+abQbguuHQ3om3BaddM+/EARWmI/keRs4H6i"
    "9eGvZXvhybfNbiqCDHYFWwlBUXr/QFwi3eQMje2j4KwiQ7deb+9tL+4rZ10/+nFkWpy4/u"
    "FFMMIwsTOYIsaJo8gotNrm4QKw4TBoYziUNMNhvBEoFA+Eg+EM9ijD4T+3YQ6aW9EhMWO7"
    "6LazOO4QlKF/0YVNSVc8wL+aGcrFWzwMh9+LNoI++VeDYfRB/rx2iB70QPZO1MobzlxDvH"
    "Km712ELeuWfsWWKQ9Po7u5H0cKQ4WEtvHV1BfJ4qTdCt6D4a9Pvwi8kjbZsP3UE7XI/J2S"
    "/L+CYhPSN1CtWX1CZtACv6r81kU3IEdMG7wDOZzSW3sFsoOlqbN68G2GsQk6ZXJiH5SKwD"
    "0oCMA9yMbfwnJdBeeQfoPXaui2M+9s6Y4oUA6yCD92XVV7R9V60szEtbMqo5Lma4dm5UMT"
    "qLVVRiXGUo8BaVRKJrlTqCS6QoZ6DEajvg55UTNEFOiV8u+l2Da4bMOTt3XZ9j2IFTX+iG"
    "mDGv+iZGtVfmxqI2xaysjgAst8gmuD03piL3qzddNagCbNcxWBXvA0b0+1V/ZUY9GhxgzM"
    "kDZNo2QW5YSrYjjIcrfypII8EXMVzzU/D3yV7MkZvsYk3liZ7zo8/am6Aa4w63qCbylc6y"
    "ZFnsWB3Z7bzR+QZvn82sy4TR51RSRp1cy4mSA5U3nIKOD98POVWN1yYlkCP+77IGZuC6fB"
    "QzjxU7eRPazTH94XmOuTjsIjHtR0i3ziOKJ5ljT+rRd2DV5Y8fmEgdVlt1cxlgb6YteStB"
    "8+qgoIB+QNRHctm1fxRE6oQtXIN/vGWDZv+H2ekL6VmXifNbjr4X8eR32o"
)
