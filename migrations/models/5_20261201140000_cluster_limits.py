from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "alert_faults" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "title" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "window_start" DOUBLE PRECISION NOT NULL,
    "sent" BOOL NOT NULL,
    "repeats" INT NOT NULL
);
COMMENT ON TABLE "alert_faults" IS 'A fault in its alert window: whether its alert went out, repeats not yet reported.';
        CREATE TABLE IF NOT EXISTS "alert_sends" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "sent_at" DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_alert_sends_sent_at_9475d6" ON "alert_sends" ("sent_at");
COMMENT ON TABLE "alert_sends" IS 'An alert that went out, kept a minute for the cap of a few alerts a minute.';
        CREATE TABLE IF NOT EXISTS "flood_chats" (
    "chat_id" BIGINT NOT NULL PRIMARY KEY,
    "free_at" DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_flood_chats_free_at_48c5af" ON "flood_chats" ("free_at");
COMMENT ON TABLE "flood_chats" IS 'A chat that can take no message before free_at (just sent to, group full, or a 429).';
        CREATE TABLE IF NOT EXISTS "flood_sends" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "chat_id" BIGINT NOT NULL,
    "sent_at" DOUBLE PRECISION NOT NULL,
    "messages" INT NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_flood_sends_sent_at_64c436" ON "flood_sends" ("sent_at");
CREATE INDEX IF NOT EXISTS "idx_flood_sends_chat_id_84f8d5" ON "flood_sends" ("chat_id", "sent_at");
COMMENT ON TABLE "flood_sends" IS 'Messages the flood limiter let go to a chat, kept a minute for the windows.';
CREATE OR REPLACE FUNCTION "flood_window_wait"(
    chat BIGINT, wanted INT, cap INT, span DOUBLE PRECISION, now_s DOUBLE PRECISION
) RETURNS DOUBLE PRECISION LANGUAGE plpgsql AS $$
DECLARE
    sent DOUBLE PRECISION[];
    counts INT[];
    excess BIGINT;
    upto BIGINT := 0;
BEGIN
    IF chat IS NULL THEN
        SELECT array_agg(s.sent_at ORDER BY s.sent_at, s.id), array_agg(s.messages ORDER BY s.sent_at, s.id)
            INTO sent, counts FROM flood_sends s WHERE s.sent_at > now_s - span;
    ELSE
        SELECT array_agg(s.sent_at ORDER BY s.sent_at, s.id), array_agg(s.messages ORDER BY s.sent_at, s.id)
            INTO sent, counts FROM flood_sends s WHERE s.chat_id = chat AND s.sent_at > now_s - span;
    END IF;
    excess := coalesce((SELECT sum(c) FROM unnest(counts) c), 0) + least(wanted, cap) - cap;
    IF excess <= 0 THEN
        RETURN 0;
    END IF;
    FOR i IN 1 .. array_length(sent, 1) LOOP
        upto := upto + counts[i];
        IF upto >= excess THEN
            RETURN sent[i] + span - now_s;
        END IF;
    END LOOP;
    RETURN 0;
END
$$;
COMMENT ON FUNCTION "flood_window_wait"(BIGINT, INT, INT, DOUBLE PRECISION, DOUBLE PRECISION) IS 'Seconds until wanted more messages fit in the window of a chat (all chats when NULL).';
CREATE OR REPLACE FUNCTION "flood_acquire"(
    chat BIGINT, wanted INT, chat_interval DOUBLE PRECISION, group_cap INT,
    group_window DOUBLE PRECISION, global_cap INT, global_window DOUBLE PRECISION,
    OUT wait_s DOUBLE PRECISION, OUT chat_wait_s DOUBLE PRECISION,
    OUT cooling_chats BIGINT[], OUT cooling_s DOUBLE PRECISION[]
) LANGUAGE plpgsql AS $$
DECLARE
    now_s DOUBLE PRECISION;
    free_s DOUBLE PRECISION;
BEGIN
    PERFORM pg_advisory_xact_lock(1180127820);
    now_s := extract(epoch FROM clock_timestamp());
    chat_wait_s := coalesce((SELECT f.free_at - now_s FROM flood_chats f WHERE f.chat_id = chat), 0);
    IF chat < 0 THEN
        chat_wait_s := greatest(chat_wait_s, flood_window_wait(chat, wanted, group_cap, group_window, now_s));
    END IF;
    wait_s := greatest(chat_wait_s, flood_window_wait(NULL, wanted, global_cap, global_window, now_s), 0);
    IF wait_s <= 0 THEN
        INSERT INTO flood_sends (chat_id, sent_at, messages) VALUES (chat, now_s, wanted);
        free_s := now_s + chat_interval * wanted;
        IF chat < 0 THEN
            free_s := greatest(free_s, now_s + flood_window_wait(chat, 1, group_cap, group_window, now_s));
        END IF;
        INSERT INTO flood_chats AS f (chat_id, free_at) VALUES (chat, free_s)
            ON CONFLICT (chat_id) DO UPDATE SET free_at = greatest(f.free_at, EXCLUDED.free_at);
        DELETE FROM flood_sends WHERE sent_at <= now_s - greatest(group_window, global_window);
        DELETE FROM flood_chats WHERE free_at <= now_s;
    END IF;
    SELECT coalesce(array_agg(f.chat_id), '{}'), coalesce(array_agg(f.free_at - now_s), '{}')
        INTO cooling_chats, cooling_s FROM flood_chats f WHERE f.free_at > now_s;
END
$$;
COMMENT ON FUNCTION "flood_acquire"(BIGINT, INT, DOUBLE PRECISION, INT, DOUBLE PRECISION, INT, DOUBLE PRECISION) IS 'One flood-limit reservation under the cluster lock: granted when wait_s is 0; the chats cooling now.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP FUNCTION IF EXISTS "flood_acquire"(BIGINT, INT, DOUBLE PRECISION, INT, DOUBLE PRECISION, INT, DOUBLE PRECISION);
        DROP FUNCTION IF EXISTS "flood_window_wait"(BIGINT, INT, INT, DOUBLE PRECISION, DOUBLE PRECISION);
        DROP TABLE IF EXISTS "alert_faults";
        DROP TABLE IF EXISTS "flood_sends";
        DROP TABLE IF EXISTS "flood_chats";
        DROP TABLE IF EXISTS "alert_sends";"""


MODELS_STATE = (
    "eJztXW9T2zgT/yqavIKZXAdSoJS7uRlo4Y7nKPQgfe7myo0jYiXR4UipJTfN9Pjuj1a24/"
    "/GDnEwfvymJdKuJP8kr1a7q/X3zpSbxBKvjs0pZZ0j9L3D8JSoP6IVXdTBs1lQDAUS31ma"
    "EgOJLsJ3Qtp4KFXpCFuCqCKTiKFNZ5JyaL5zjBxBbCQnBPE5U39BdybCAulWjtAUMzwmAt"
    "mORUQXMS7dGvEKOjD5UPVA2XgNbTmMfnGIIfmYqCZs1eLnv1UxZSb5RoT/c3ZvjCixzAg2"
    "1IQGdLkhFzNdds7kmSaEYd4ZQ245UxYQzxZywtmSmjIJpWOixo0lgeal7QBgzLEsD1kfQ3"
    "ekAYk7xBCPSUbYsQB24HYHEJR1DOPyqm/cnPYNo5OYEp8jhKxXNOQMplMNVeinH8MQfujt"
    "7r3ZO3x9sHeoSPQwlyVvHtyuA2BcRg3PZb/zoOuxxC6FxjgAFSbTSEP2hI4zwQ0xPY6wj2"
    "fdIX7b671+/aa38/rgcH/vzZv9w50l1smqPNBPzn8B3BUBV6+l+7b6ExEAr/9PoP5ugu10"
    "zH36GODqQVYB3C8IEA9ExxLeTlWAT/E3wyJsLCewkPcPcsD87/H1u1+Pr7cU1XYU0kuvqu"
    "fWRdHFpklM425Rbl2HudazsIvg3Lil7cKIZRL89wo6SackD36XLwa/6TG+8v94iZNhE2xe"
    "MWvhybccnPvnH05v+scfPkJ3UyG+WBq94/4p1PR06SJWuhV/QZaNoD/O+78i+In+uro81f"
    "ByIce27jGg6//VgTFhR3KD8bmh5iMQxX6pj9oD7NOj+9CmAgV3eHg/x7ZpJGp4j2fRJqum"
    "vWm8RGsVpgcuDNNXlSxiyzNvppKKVFCbr00BnaEnvLBOpakRZYhKpfxAA2iulhafH6H5RG"
    "s34RrCJOKO7CKbzAhW5aAYLYiE39xWizhN1aqiiydoYPckRaBmb1ke+Xp2rOdVEWI71n6h"
    "HWs/Z8fa335EMZNUWikKQp98y9i8lgyb0xAqRDxPOJ7+2Y/IRR/XrQ/Hf25HZOPF1eUvPn"
    "loHt5dXJ3E9iyTSEytMngHHC3gKwDuyjFDSGynKApnFscZuMcZY+iPgLNZ+L+/+nRycYo+"
    "Xp++O785v7qMbv+6EopUAZUag+vT44sY3IKwFJhPOLcIZulA+ywxgO8UT1X4Lks2C/DJ1d"
    "VFZIGfnMdX8KcPJ6fXW7vbUaCTuq+39ZawVIQ4Nnfm2Kn2wPEkc0WdFMsbwqIqUKKygFqp"
    "XiSzqFbJPGVOTnBYo7snM4kwmlLmSIJG3DXADfEM8ZEqH5G5yyeWRCnq5HrbXrMlL+9c3j"
    "Bj3kaO49maJcj11NN5zqYb4qluv93kVFSw3dZEbr0nFv1K7EWa2FrW5Uot06WipKDQumIE"
    "qWmVIC/m3L6HA6v2Dzjyjn87UmIDzA1oS0kWDDLozpl2kfuDmFRua5nDVSOqXUkZhnaT4q"
    "uSXm7ZLfukV6SqQlvgs+iGCbpIcMceKnGoZGZX978NXalN28ILYiJnBhYpxIgCDBGmGnKI"
    "QHJOh0Q1PhgAx2CAqECDwfTopykRQk2bQc2fVSmMyB12V1WPodqk2Bjb3JmFSbzHUX+Y0C"
    "aJtHP0EzyeAcMIMUDZK9SnihBhmyAy48MJEkS9BqZQD+VuAqZDfmCqKTTk05kiE7cMIBVq"
    "1aA5XgAmHz1LEXSObn6/oNni/3MH8PNeSmkAZJ6XQP+WEzCAeSUurGEaQKrzd2wL+axOU1"
    "g6Iq1R9a+i/pwoV48oQVxNsJi4DbabUO02ofikFZ+HOGdrqF/ZUJ98LUtOQ4S3MaeXDc9C"
    "UhQWn4Ukb/s6rDwRegdKwJ9t3/bpG2H/i5q43xbxyb7Ndsm+TXhkvZUaKC4pNpL/3Fxd5q"
    "7zGHfcSUiHEv2LLCoqW/Odn0YOGwK26M6hloSwFujv587mzymAVr5ZNm6B7UYdf9BA3Cx7"
    "T1mKCMrx8Xj0GwxLgEeoCu7oW3BY4CU4zHwHDuOvwAwv1GE5Bd7sdR9iqcdih24bs9gjJ4"
    "USiz7Ot9Li93T+esr/g70CS/9gL3PtQ1VM/i/PcUVRDjg2KVwIMwGmjaC82yuA8m4vE2Wo"
    "ioXeSEmms1L+hzBLY1T4J8ZLho5IDilrKw1YWtdkEdekRbAghsNkmv89B+cY34pg10wMV4"
    "z10MJ0mhEZmbPfRbja3e7x3c7CQhrEtrldBucoV/Nw3t3Z2Smy4ymy7D1PV8ZWtU0AkbKC"
    "OsrWCusiAmREGRWT8ljH+FphXQBr8KakWgSzY0kCjibZAdcbThIFOGUVc5vQMfuNLDTI52"
    "pEmA3TQis9r+q118wLA/fBXz1+afCC2Xi+9JiFF5V6dvXExF2x745v3h2/P+08PI+fWwkb"
    "bqq9NDXuO6js5nm6R0CmreeFo76B2HWeDjFDEt8TxDjyDJPojozU6kEjm8AZAG394wiJIH"
    "gCSd5F2rGLRno2tOt3r/d2Oy3uu5pOnhCxs5JzYu1eidZv2vEmvdzeG/C0wTv1Dt7Rcisr"
    "6DCoLCDUSgQdfnDlitDhNJobWXSq8LGRkvVozJVcUXLEDYFJjxZ0g7JTrguvue3HRdjnsN"
    "jxw9baKJB6SrN6bCv1UHI3HXXQRoFWfoDzFLYy1vgwS5NWdxNuBJyJ6TUZcjt9c15W5m/O"
    "YmrYmq7Y5pyNc3uP80Xc4wQvZqlED0uG5tl/1wh4yEOnkE/imx1S4dO38RR6S1tnPIUbDL"
    "9K6ocoZ5v8oS7JH3yMQtkf9OhrsiN7p8sLyu7T9uRwde6u7McVWoqysCXQN8fBGfWOexY4"
    "90qHd2nEo4BLJPpChnuJAu6OUHUiBtPeiFsWnyMq06yA6+8g89JG5q2MROCl9w48cr1jBp"
    "ezUy5zFGi/PavX86zeeqPWHVvUBv7XxRaSJuRKz0WUvZ2Op11Lau+G1WAS2rthdZiFVeVS"
    "CnP7Qqw8FbPUREU3U2xZmTMwS89R9HKX/+vem4MlyvAjD9ebD8cXF0kg22i9/wdP9u8Otj"
    "GTlBHzkzbudFIO6Emibt4x/UtAbrgWo8KH9T6xyNjGUz9hg3Y123iOtuDUDMasLppikyAh"
    "lRBQ/W2jOZUTffZWC09wyMGI5lioU7hEWFAzLcNOZd20yXZqvUvk5NfW66B8hu0wWxs8te"
    "KW7b5RZZwvAUcDL3VXFX4P0aL/pAKdnT0zzNMIqPMM+lXkz8zTovJ9LbmKVOtreTZfS80T"
    "bV+TkSOUnia0+pFQ5cLVuUqc7RIa8BGJwuobULAxsdF8wtGYS60wzTiovkg3iK0foWyBlI"
    "IEKhRnQ0WgGLxaL4rQ/R4JlHvn4jQlrtrOnqDKtR/rqIlW56/h8sI3ytlA4ftChG2KY7tm"
    "0vYrJfP3ZEiFOwEpAjdC8YjMBVo12S5xQbH7B1xAgVyHwKykGLCbxPRc0F6WyIWbJRZ8fZ"
    "CR0SVGMIakaF1Hg+1J+IXKTH96VzBjRxirsqU2dUZaD351Hvx6KGT1AHXTH5nSgZRlbDsB"
    "RyMMDjHbTpGEfbvZCft2Ewn7JPmWot3mfH/Go29C2PKmjTmeIrTCeSLK2cDzRGvMqeR44V"
    "ipDjk/lUHOUQI+61r0/EBsotObCzTmR17QqkC3Tm/3bS+cZl10XTfYiFqS2G4UKxhhhDoZ"
    "TJGQZJZytXS9zUMm+MHAa2Mw0DSDQbgRKFQdwg0BAWeUweD7rX8Z8VYNSK3YLrrtLONevD"
    "L0L7rkjHRVB+43uqBcPcXDYPCjasMbk5sjHqMz/fNmRobeCPToVK1OdW+b6pETY+8ibFm3"
    "7Cu2qI6iR3cL16EIU4WUtvGVDpdZA7TdCp5D4K9P/yJc+03eCr7JW/9Pw25MrVl/Zi7QAr"
    "+mwJv7KayAaYMfw/KX9Iv9FtYMa1NneS9sgrEJOmV0Ye8XcsXu53hi95OOWNiuy+Ds028w"
    "v+qQzxadF3oi8pSDJMKP5S1vk5VXc98wrJ2VmZU4Xzs1a58aT60tMyshlnpMSKPu5uqTQi"
    "nR5TPUYzIa9XboL3ZBRMGwVCKGGNsGt23o+aVu264HsaTGHzC1n78tofJjaowwtRy7lB4a"
    "5drgsp7w5Whe3LJWoGnzXEmglzzNO1PtFg1vzYtuTcAM9+cNRuZBcoAyhoMkdytPSsgTP1"
    "Y1LV99bo64CN9Kbta6LfVn8bK2UcbZE9Isx1Sbx6fJs54S7lg2j08ikoummcJOPN6z366J"
    "hTMCLlK+Rv3ClsGDv/BjudMfqnTaHivMh5NOitvWq+nmOW5xQPMsSQdbV2EFrkL1+vjRv0"
    "XPACGWBjoMK0kxCC9VCYQ98gaiW8kJy/uaYhnbZIhl89bJ54k7W5sd8lkjkB7+B9ROYic="
)
