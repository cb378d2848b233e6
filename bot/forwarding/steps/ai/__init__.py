"""The Groq client of the AI steps: ``client`` (requests and retries), ``flights`` (the answer
cache and single flight), ``pacing`` (waits from Groq's rate-limit headers), ``errors``."""
