from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "ai_usage" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "rule_id" INT NOT NULL,
    "day" DATE NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "calls" INT NOT NULL,
    CONSTRAINT "uid_ai_usage_rule_id_f9ff3a" UNIQUE ("rule_id", "day")
);
CREATE INDEX IF NOT EXISTS "idx_ai_usage_day_97608d" ON "ai_usage" ("day");
COMMENT ON TABLE "ai_usage" IS 'Groq tokens one rule''s deliveries used on one day (UTC), and how many calls they took.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "ai_usage";"""


MODELS_STATE = (
    "eJztXW9T2zgT/yqavHlgJtcpKbSU69wMUHrHHYUehOdurtw4IlYSHY6UWnLTTI/v/mhlO/"
    "6nGDskwfjxm5ZIu5L8k7xa7a7W31tjbhNHvDi0x5S1DtD3FsNjov5IVrRRC08mUTEUSHzr"
    "aEoMJLoI3wrp4r5UpQPsCKKKbCL6Lp1IyqH51iHyBHGRHBHEp0z9Bd3ZCAukWzlAY8zwkA"
    "jkeg4RbcS49GvEC+jA5n3VA2XDFbTlMfrFI5bkQ6KacFWLn/9WxZTZ5BsR4c/JnTWgxLET"
    "2FAbGtDllpxNdNkpkx80IQzz1upzxxuziHgykyPO5tSUSSgdEjVuLAk0L10PAGOe4wTIhh"
    "j6I41I/CHGeGwywJ4DsAO3P4CorGVZ5xdd6+qka1mtzJSEHDFkg6I+ZzCdaqhCP/0QhvBD"
    "Z2f3ze7+q9e7+4pED3Ne8ube7zoCxmfU8Jx3W/e6HkvsU2iMI1BhMi0Tskd0uBDcGNPDCI"
    "d4Vh3it53Oq1dvOi9fvd7f233zZm//5RzrbFUe6EenPwPuioCr19J/W8OJiIDX/2dQPx5h"
    "14x5SJ8CXD3IMoCHBRHikeiYw9taF+Bj/M1yCBvKESzkvdc5YP738PL4l8PLLUW1nYT0PK"
    "jq+HVJdLFtE9u6nZVb13Gu1SzsIjjXbmn7MGKZBf+9gk7SMcmD3+dLwW8HjC/CP57jZLgE"
    "2xfMmQXyLQfn7unHk6vu4cdP0N1YiC+ORu+wewI1HV06S5VupV+QeSPoj9PuLwh+or8uzk"
    "80vFzIoat7jOi6f7VgTNiT3GJ8aqn5iERxWBqidg/79OAutqlAwS3u302xa1uZGt7hi2iz"
    "VePOOF2itQo7ABeGGapK9FpgvcyzWlRQla9HUcubUz2oSf3s8i9I8jvCBOKMaCXnPwKpVu"
    "lX4lKl9qi90VZVutbGM7R13T3ebiPMbDTiU9COZqiPHUeACjVTbfG7rJK1vm4M+tfnFjQf"
    "7OeqrdbfKY3sc1RaWDHLE7M10802Il0Xa3CxySuoG8c46rTLPVJHjhCF1W7cusxwBuR5O9"
    "YzBDUHMdhxUpBNXD6eSMsXWeWkQYZ1c2vyZQ0EQzQHfYWjQ2CsS82Dkb2ZiyXnArbeEiJ5"
    "Tl8bwB8ljauiWzrElR8CeLLqZVSbr2ECnaVRLmyv09SIMkSlQLoBNFWTyacHaDrSmlu8hj"
    "CJuCfbyCUTglU5GN1mRMJv7qplYzLjraOLR1j37ohh011sDgnIV2MNeVotMmUN2StkDdnL"
    "sYbsbT+gMkoqHYPxqUu+LRBPc4bNWZ+eRrXpnvzZTZy5Q1y3Ph7+uZ04d59dnP8cksfm4f"
    "js4iitTxKJqVMG74ijAXwJwH05ZgmJXYMR6oPD8QLc04wp9AfAWS/8319cH52doE+XJ8en"
    "V6cX50nTkq6EIlVApcbg8uTwLAW3IMwA8xHnDsHMDHTIkgL4VvGsC995yWYBPrq4OEss8K"
    "PT9Aq+/nh0crm1s50EOqtUBltvmZN+xNEollVTLK8IS6pAmcoCaqV6keyiWiULlDk5wnGN"
    "7o5MJMJoTJknCRpw37nbxxPEB6p8QKY+n5gTGdTJ1ba9Yi9xY4zclDES5LrR85Oz6cZ41r"
    "ffbnIq1rDdVkRuvfcdEDOT2JrX5UqtyIVRTGhdMILUtEqQF1Pu3sGBVceeePKWfztQYgNc"
    "WWhLSRYMMujWG7eR/4PYVG5rmaOdJERIyjC0mxVfa+nlht2wa70iwVGzBVb3dpygjQT33L"
    "4Sh0pmtnX/29CV2rQdPCM28iZgO0aMKMAQYaohjwgkp7RPVOO9HnD0eogK1OuND96NiQBH"
    "lkXtn1QpjMgfdltVD6HaptgautybxEmCxwHPEbRJEu0cvIPHs2AYMQYoe4G6VBEi7BJEJr"
    "w/QoKo18AW6qH8TcD2yA9MNYXAsKjIxA0DSIVaNWiKZ4DJp8ALqd1WV7+f0cXi33dSBS+l"
    "tACy0GMFv+UInKtBiQ9rnAaQMri1lJ4vPWFqVP2rqD9nytUjShBXIyxGjUesoptQetKKz0"
    "Oas07usQ1bwLOvZclpSPDW5vSy4VnIisLis5DlbV6HpSdC70AZ+Bfbt0P6Wtj/kibut0Xi"
    "/d4uDvd7m4n2C1ZqpLgYbCS/Xl2c567zFHfanU/7Ev2LHCrWtuZb7wYe6wO26NajjoSQae"
    "jvp9bmzymAVr5ZNm2BbSeDyqCBtFn2jjKDCMrx8QT0Gwx5hUdYF9zJt2C/wEuwv/Ad2E+/"
    "AhM8U4dlA7yL132MpRqLHbqtzWJPnBRKLPo031KLP9D5qyn/X+8WWPqvdxeufahKyf/5Oa"
    "4oyhHHJoULYTbAtBGUdzoFUN7pLEQZqlJh3VKS8aSU/yHOUhsVfnVxhh4payuNWBrXZBHX"
    "pEOwIJbHpMn/noNzim9JsCsmhteMdd/BdLzg1k3Ofpfgana7h3c7BwtpEdflbhmck1z1w3"
    "nn5cuXRXY8RbZ4z9OVqVXtEkCkrKBOsjXCuogAGVBGxag81im+RlgXwLq5NbKWcJIkwIZV"
    "zF1Ch+w3MtMgn6oRYdY3hVYGXtXLoJlnBu59uHrC0ugFc/F07jGLLyr17OqJib9ijw+vjg"
    "/fn7Tun8bPrYQNt9Veaoz7jirbeZ7uAZBp63nhqG8g9p2nfcyQxHcEMY4CwyS6JQO1etDA"
    "JXAGQFv/eEIiCJ5AkreRduyigZ4N7frd7bzdNsV9r6eTR0TsLOWcWLlXovGbtoJJL7f3Rj"
    "xN8E61g3e03FoUdBhVFhBqJYIOP/pyRV9DRpobOXSs8HGRkvVoyJVcUXLED4ExRwv6QdmG"
    "VDQrbvthEfY5LnbCsLUmCqSa0qwa20o1lNxNRx00UaBrP8AFClsZa3ycpU6ruw43Aj6I8S"
    "Xpc9e8Oc8r8zdnMbZcTVdsc16Mc3OP81nc4wQvZqkkYnOG+tl/Vwh4PBOIxFl8F4dUhPRN"
    "PIXe0lYZT+EHwy+TVizJ2SQWq0pisRCjWGYxPfqK7MjB6fKMsjvTnhyvzt2Vw7hCR1EWtg"
    "SG5jg4o97ywALnX+kILo0EFHCJRF/I8C9RwN0RSA8Gpr0Bdxw+RVSarICr7+ChzGLZcOJM"
    "4GXwDjxwvWMCl7MNlzkKtN+c1at5Vm+8UauOLWoC/6tiCzEJudJzkWRvpuNx15Kau2EVmI"
    "TmblgVZmFZuWRgbl6IpadiYkxUdDXGjrM4b6Y5R9HzXf6vOm9ez1GGH3m4Xn08PDsz5F1s"
    "ovX+DzzZv3vYxUxSRuxrbdxpGQ7oWaJ23jH9S0Ru+Rajwof1LnHI0MXjMGGDdjW7eIq24N"
    "QMxqw2GmObICGVEFD9baMplSN99lYLT3DIwYimWKhTuERYUNuUYWdt3TTJdiq9S+R8u0Wv"
    "g/Jfb4mzNcFTS27Z/htVxvkScdTwUve6wu8hWvQfI9CLs2fGeWoBdZ5Bfx35M/O0qHxfS6"
    "4i1fhanszXUvGPuFySAXzQ5Fpo9SOjysWrc5U41ye04ANlhdU3oGBD4qLpiKMhl1phmnBQ"
    "fZFuEDs/+l9RUQoSqFCc9RWBYghqgyhC/1t3UB6ci01K3Ho7e4Qq13wIriJaXbiGywvfJG"
    "cNhe8zEbYGx3bFpO1XSqbvSZ8KfwIMAjdB8YDMBVo12T5xQbH7B1xAgVyHwKykGLDbxA5c"
    "0EGWyJmfJRZ8fZCR0SdGMIasaF1Fg81J+JnKzHB6lzBjJxjXZUut64w0Hvz1efCroZBVA9"
    "RNf8BUB1KWse1EHLUwOKRsO0US9u0sTti3k0nYJ8k3g3ab8/2ZgL4OYcubNuYEitAS54kk"
    "Zw3PE40xZy3HC88xOuTCVAY5RwlFUfj8QFyi05sLNOQHQdCqQDdeZ+dtJ55mXbR9N9iAOp"
    "K4fhQrGGGEOhmMkZBkYrhautrmIRN8rxe00etpml4v3ggUqg7hhoCAM0qv9/0mvIx4owak"
    "Vmwb3bTmcS9BGfoXnXNG2qoD/xtdUK6e4r7X+1G1EYzJzxGP0Qf982pC+sEI9OhUrU5179"
    "rqkTNjbyPsODfsK3aojqJHtzPfoQhThZS28ZX251kDtN0KnkPgr4//IlwpbbJm56lHapGL"
    "T0r6/xKKTUhfQ7Vm9Zm5QAv8aoA391NYEdMGP4YVLuln+y2sCdamzvJe2AxjHXTK5MLeK+"
    "SK3cvxxO5lHbGwXZfBOaTfYH7VPp/MWs/0RBQoB1mEH8pb3iQrX899w7h2VmZW0nzN1Kx8"
    "agK1tsysxFiqMSG1upurTwqlRFfIUI3JqNXbob/YBREF/VKJGFJsG9y2oefnum37HsSSGn"
    "/E1Hz+toTKj6k1wNTx3FJ6aJJrg8t6xOejeXbLWoGmzXMlgZ7z1O9MtVM0vDUvujUDM9yf"
    "txiZRskByhgOstyNPCkhT8JYVVO++twccQm+pdysVVvqT+JlbaKMF09IvRxTTR6fOs+6Id"
    "yxbB6fTCQXNZnCjgLeD79dEgcvCLgwfI36mS2D+3Dhp3Kn36/TaXuoMO+PWga3bVDTznPc"
    "4ojmSZIONq7CNbgK1esTRv8WPQPEWGroMFxLikF4qUogHJDXEN21nLCCrymWsU3GWDZvnX"
    "yauLOV2SGfNALp/n/Rd6bS"
)
