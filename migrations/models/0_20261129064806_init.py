from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "admins" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "user_id" BIGINT NOT NULL UNIQUE,
    "name" VARCHAR(256) NOT NULL,
    "added_by" BIGINT NOT NULL,
    "added_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "admins" IS 'A user the owner named as admin: manages rules, not admins.';
CREATE TABLE IF NOT EXISTS "fsm_records" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "state" VARCHAR(255),
    "data" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "refused_users" (
    "user_id" BIGINT NOT NULL PRIMARY KEY,
    "refused_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "refused_users" IS 'A stranger who got the polite refusal; they get it once per refusal window, not per message.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztmOtP2zAQwP8VK5+YxBArlLKHJhUGg2m0E3QPbZosN3ZTi8TuYmel2vjf53OS5tVm5V"
    "EoiE9N72FffnbufP7jBJIyX220acCF8wr9cQQJmHkoKtaRQ0ajTAwCTfq+tSRgYkWkr3RI"
    "XG2kA+IrZkSUKTfkI80lDO+0UaRYiPSQITkW5gmmo4goZEd5hQIiiMcUCiOfqXUkpI41ag"
    "MmoNI1M3Dh3cJYkeC/Ioa19JgZIjQj/vhpxFxQdsFU+nd0jgec+bTAhlMYwMqxnoys7Fjo"
    "Q2sIYfaxK/0oEJnxaKKHUkytudAg9ZiJm2gGw+swAmAi8v2EbMowjjQziUPM+VA2IJEP2M"
    "E7DiCTORh3uj18dtDD2KksSeqRI5uIXClgOU2oyr69ByE8b7zYbm3vbu1s7xoTG+ZU0rqM"
    "p87AxI4WT6fnXFo90SS2sIwzqLCYeBbZPe7NhZtz+j/hlOeqI37ZaGxttRqbWzu7ze1Wq7"
    "m7OWVdVdVB3zt+D9yNgTSfZfy1pguRgbe/Fer7QxLOZp7al4CbF7kO8FSQEc9SxxSvsyzg"
    "AbnAPhOeHsJGbu7UwPzSPt0/ap+uGatnRaSdRNWIdUW6hFJGcX9ytX2d97qdjb0I50e3tW"
    "OMRFfhvzPoNA9YHf7Yr4SfJo4b6cNDXIyQEdoV/iTJbzWce8cnB2e99sknmC5Q6pdv6bV7"
    "B6BpWOmkJF0rfyDTQdDX494Rgr/oe7dzYPFKpb3QzpjZ9b47EBOJtMRCjrFZjywVp9KU2i"
    "XU6cF5rqiAoE/c8zEJKa5oZEPOs62qgkZQlthTBU3gQpjJUelQBafMlWHxrFBR1p6lBirA"
    "obVb7EA1f8lvcLw5ZzOy1fx6kJjfTjm43/pbKgfNhcpBs6YcNJ/959SjtIFzFdpTh2vxTm"
    "iuTCJaFvAMMJCv8v1w1u3M5pval9M+dzX6i3yullZ9nTeDSLiAEPUj7mtoVGDat8s6/dTA"
    "Bj6FjJ8yXjtpfyvj3//Y3Sunchhgr7QU0Qhq5nXqcdHzqSKvSkVOGeVKso1+RSryKRuYBp"
    "F+Vrb+VWpyXl1blcPYEEO3ufBFB1gIj4VoPJTIk9peVIykzzVDdkDivwbZBJkKjbhGUrjG"
    "wDgkWjQ2m1GO44sLkAdMKfOis25CljvZDc4ST139nbY+8w8a6R6+evItej7C5Ptwk+1K9T"
    "9tFnJ3OCvRJpraHEsym3tpep7udJdwp/vb1EsIqUJ2fn+Tc7m7C8aH3eLAR3UFwon5I6T7"
    "YnNzAbrGai5dqyvSNTNqJmZUzfk9ZM7l7tvI+ymUt9Yw3msxu/wHICU+rg=="
)
