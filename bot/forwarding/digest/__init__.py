"""AI digests: a rule's posts collected over a period, published as one summary with links.

``plans`` (when a rule publishes), ``collect`` (ingest stores the posts), ``summarise`` (map and
reduce through Groq, the links ours), ``publish`` (the scheduler: one digest per period across
dynos, through the outbox).
"""
