from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "message_links" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "rule_id" INT NOT NULL,
    "source_chat_id" BIGINT NOT NULL,
    "source_message_id" BIGINT NOT NULL,
    "dest_chat_id" BIGINT NOT NULL,
    "dest_thread_id" BIGINT NOT NULL,
    "dest_message_id" BIGINT NOT NULL,
    "part" SMALLINT NOT NULL,
    "created_at" DOUBLE PRECISION NOT NULL,
    CONSTRAINT "uid_message_lin_rule_id_8a16c0" UNIQUE ("rule_id", "source_chat_id", "source_message_id", "dest_chat_id", "dest_thread_id", "part")
);
CREATE INDEX IF NOT EXISTS "idx_message_lin_source__83b3cc" ON "message_links" ("source_chat_id", "source_message_id");
COMMENT ON TABLE "message_links" IS 'A message the bot sent for a source message, so edits and replies can follow it.';
        CREATE TABLE IF NOT EXISTS "rules" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(64) NOT NULL,
    "active" BOOL NOT NULL,
    "paused_reason" VARCHAR(500),
    "mode" VARCHAR(16) NOT NULL,
    "sources" JSONB NOT NULL,
    "destinations" JSONB NOT NULL,
    "filters" JSONB NOT NULL,
    "steps" JSONB NOT NULL,
    "edit_policy" VARCHAR(16) NOT NULL,
    "review" BOOL NOT NULL,
    "ai_failure" VARCHAR(16) NOT NULL,
    "ai_model" VARCHAR(100),
    "created_by" BIGINT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "rules" IS 'Where posts go: sources → destinations, with filters and transform steps.';
        CREATE TABLE IF NOT EXISTS "deliveries" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "dest_chat_id" BIGINT NOT NULL,
    "dest_thread_id" BIGINT NOT NULL,
    "source_chat_id" BIGINT NOT NULL,
    "unit" VARCHAR(96) NOT NULL,
    "source_message_ids" JSONB NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "payload" JSONB NOT NULL,
    "content_hash" VARCHAR(64),
    "status" VARCHAR(12) NOT NULL,
    "attempts" INT NOT NULL,
    "due_at" DOUBLE PRECISION NOT NULL,
    "lease_until" DOUBLE PRECISION,
    "claimed_by" VARCHAR(64),
    "last_error" VARCHAR(1000),
    "created_at" DOUBLE PRECISION NOT NULL,
    "finished_at" DOUBLE PRECISION,
    "rule_id" INT NOT NULL REFERENCES "rules" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_deliveries_rule_id_18b34d" UNIQUE ("rule_id", "dest_chat_id", "dest_thread_id", "source_chat_id", "unit")
);
CREATE INDEX IF NOT EXISTS "idx_deliveries_status_9dd65a" ON "deliveries" ("status", "dest_chat_id", "id");
CREATE INDEX IF NOT EXISTS "idx_deliveries_dest_ch_e05cbf" ON "deliveries" ("dest_chat_id", "content_hash");
COMMENT ON TABLE "deliveries" IS 'One unit of work in the outbox: a post (or an album, or an edit) for one destination.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "message_links";
        DROP TABLE IF EXISTS "deliveries";
        DROP TABLE IF EXISTS "rules";"""


MODELS_STATE = (
    "eJztXW1v2zgS/iuEPyWAt4id92yxgJMmt7nNSy9Jbw/bLGRaom0iEumKVFyjm/9+Q0qy9V"
    "7JsR3H0JfWImdI6hlyOMMZKj8aDreILT50LIeyxgn60WDYIfAjXtFEDTwazYpVgcQ9W1Ni"
    "RaKLcE9IF5sSSvvYFgSKLCJMl44k5ar5Rgd5grhIDgniYwa/VHcWwgLpVk6QgxkeEIFczy"
    "aiiRiXfo34oDqwuAk9UDZYQFseo988Ykg+INCECy1+/RuKKbPIdyLCx9GT0afEtmLYUEs1"
    "oMsNORnpsksmLzShGmbPMLntOWxGPJrIIWdTasqkKh0QGDeWRDUvXU8BxjzbDpANMfRHOi"
    "PxhxjhsUgfe7aCXXH7A5iVNQzj5vbBuD9/MIxGSiQhRwTZoMjkTIkThir02w/UEH5pt/YO"
    "9452D/aOgEQPc1py+OJ3PQPGZ9Tw3Dw0XnQ9ltin0BjPQFXCNLKQPaWDXHAjTD9HOMRz3S"
    "E+brd3dw/bO7sHR/t7h4f7RztTrNNVRaCfXv5L4Q4EHJalv1pDQcyA1/+nUD8bYjcb85A+"
    "ATi8yDyAhwUzxGeqYwpvY1mAO/i7YRM2kEM1kfcPCsD8b+fu7PfO3RZQbcchvQmq2n5dHF"
    "1sWcQyepNq8zrKtZiJXQbnjZvaPoxYpsH/BNBJ6pAi+H2+BPxWwPgh/PEeheESbN0yexLo"
    "twKcHy6vz+8fOtefVXeOEN9sjV7n4VzVtHXpJFG6lVwg00bQn5cPvyP1iP66vTnX8HIhB6"
    "7ucUb38FdDjQl7khuMjw2Qx0wVh6Uhai9qn+4/RTYVVdDD5tMYu5aRquFtnkebrnLaTrJE"
    "WxVWAK4aZmAqfSI2fSbuJMuMmtYVWlKWT0VJSWvqlhEEc0oi3kdj7j4hynxzyJM9/v0EYa"
    "TQRVvcRZghbPc8p4n8B2JRuY368MChEWhXUoZVu2k7aym9PLJH9kUvB6hCW8pEa0YJmkhw"
    "zzUJModYNnX/26orl4xsPAEzzxupBYgYAcAQYdCQB6aeHFOTQOPdruLodhEVqNt1Tj46RA"
    "gQG9gKv0GpGpE/7CZUD1S1RbExcLk3ipIErwM/LNUmibVz8lG9nqGGEWFQZR/QAygGsENd"
    "gsiIm0MkCCxBS8BLAXRYIssjvzBoCpncGQGZeGQKUgGzBo3xRGHyOVgYqnN0/58rKkme3f"
    "q1ofALFII0FGSBUaSf5VCt96DEhzVKo5Bq/J2wfb/Cfo6lJ7IahX+B+muqHF5REiaNIRZD"
    "v8HS1nPRXrhhBvRKtsB8MzsptPJySHLWdsncdkl6WVYUQ4x3dYLY2SgppFVheSmkeevlML"
    "cg9A6Ugj/fAw3pV+eBLhPymA96XMYFPc73QI9TDmgwU2eGi0hD/e/725vCeZ7gTvpE1JTo"
    "H2RTsbQ53/jY95ipsEU9j9pSneKp/n5b1tFAgRgUWjF3KIR/67rzv6Rkzq5uT5N+jmrgNC"
    "GmJ3j7KmsgpF/hKYx6hdWcxByVWARHuWvgKLkERnhic5wBb/68j7Csx2RX3W7MZI95ChUm"
    "fZJvrskf2Pzrqf8P9kpM/YO93LmvqhL6f+rHlUV5xrFK5UKYpWBaCcqtdgmUW+1clFVV4q"
    "RRSuKMZAbO+We8EZaNMeFfGR6KuEgeyTy4vQC1nOcZTVkScPYVzzs0DQsA+3T75fTqHH2+"
    "Oz+7vL8MVPT0IFZX6tOebzaVGoO7885VAmKbYEEMj0lqV8I5wTcn2GumhpeMtWlj6uQEgg"
    "r2uxhXvdv9fLezsZAGcV3uVsE5zrV5OLd2dnbK7HhAlr/n6crErHaJQqSqoo6z1cq6jALp"
    "U0bFsDrWCb5aWZfAWkVTMk8Ec225CMcmnQO+yppLhWXjAGfMYu4SOmB/kIkG+RJGhJmZlW"
    "sSRFXvgmbeGbgv4ewJS2cLzMXjacQsOqng3eGNiT9jzzr3Z51P542Xt4lzXwjnjpjcjUf1"
    "UpXNokh3XziGq+nKhbrzsX1FGt8TqWSMBeSL8YnfNhKZSHvaL5X2tF+Q9rS//ZOwozpTqJ"
    "RlNmXYPGtsgYBH/GVAvsoBZ0hfn24u/HTTT02ZJ+8szllnnq1L5lmIUST1TI9+TTLPrv3o"
    "3BVlT1l7crS6cFcOo3w2UJZO6A+YdEpYj0skCJNBglWQwhVQqJQunR7lpzSpTC5KBDIxA3"
    "Lb5mNEZVaW/+I7yE2hys2RSoVBgzXwk2SrEXYzU6tKtF/nT61n/lTtGy76pL9Ow1mTNJxM"
    "JVdZFnH2WhyvSxKsMzXXQAh1puY6SGFevZTBXC+IuUWhTdoU/vcOtu1cCYQ8GzP9d9uHB1"
    "OU1UMRrvfXnaurNJB17Gyp8Zw1cc3vSN8TxPoitJuZcs2j1c0i19z1CQ114bm0a64o2IC4"
    "aDzkaACus3KhR1whhXSD2P5VlU0QOMJI3fBi4E2PgCGoRWOYEHzs351X5YEazXLTl9vZK4"
    "7564vl6+I6B3O4+rlonHMDz0Xf7znoWl3B1QHhLDUbBIoL9Kv6Rkg5vfon6B+iL48K0HMn"
    "wSGkQI9eu3Xcjl5iFU3QaXKI+tSWoLb1qaTSkqLPXQcUJhllfNZksc2re7bdbtBGt6tput"
    "1oI6oQOlQRH6Gu+Ha7Px4bgfP4CAOCKdpEj42pHxOUoX/QDWekCR00JJU2UeXwFi/d7q/Q"
    "RjAm/wYuRhf68X5EzGAEenRQqy8Suxa8cmrsTQQ25SN7xjbVURHUm2hyLSoE+vmZwgbSI8"
    "BB/I1FvYfAz8SqP/Cyhh94Wf/vjLzjvEfQWPQ5A95Tzm2CWU4G+pQpgXEPuJYFcjilV7uL"
    "nt7eXsU20NPLhP1y8+X69Pxuq7UddyeyPGBti4A6FJxVmdApxs1LbdgvlWe6X5Bmup/OMl"
    "XbdRWcQ/oV3l4x+WjSWAnCrTIXRFv5F0RbORdE57gVWl8FXU7+SNQ6qyKVJF8tmoWLJjBr"
    "q0glwrIeAtmoXCvtKVRSXSHDeghjo1aH/h6SOvIzKyXWJthWuG2rnt/rtu2SZ0rGFS3+Gd"
    "MKLf5pybs1+TE1+pjanlvJDo1zrXBaD/l0NO9uWgNo+niuItBTns3zqVpl7+4VXd3Lu7lX"
    "9cOkcb65QiPrBvabhNGLor/FsZDCAPAmxELeaY543tdJ65sBmyz1BdwMiDr+0e+/JpRywH"
    "vxxx2xtY+fMREyvjb7zqZB3t3Il2WGDTuAuTlsZP35A7+mWfj3D2Y0b3KNsQ5WLSFYBctH"
    "0GrH+xGWDQxZLeXSolpUVex8n3wD0V2Oje9/La3K6ViEZfXnY2+TX7Owk7A3zYF5+T+KkB"
    "qH"
)
