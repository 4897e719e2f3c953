#!/usr/bin/python3
# Asks a ZooKeeper member a four-letter word (srvr, mntr, ...) on its client port and
# hands back the answer, parsed: srvr's "Key: value" lines and mntr's "zk_key<TAB>value"
# lines as one dict. Given the whole ensemble (members), it asks each member srvr and the
# leader mntr, and says who leads and how many followers the leader reports synced: what
# a rolling restart waits for. Read-only, so it runs in check mode too.
from __future__ import annotations

DOCUMENTATION = r"""
module: zookeeper_four_letter_word
short_description: Ask a ZooKeeper member a four-letter word
description:
  - Sends a four-letter word (srvr, mntr, ruok, ...) to a ZooKeeper member's client port
    and returns what it answered, with srvr's and mntr's lines parsed into a dict.
  - Never fails because the member does not answer; C(serving) says whether it did with a Mode.
options:
  host: {description: "The member's address (without members).", type: str}
  members:
    description:
      - The ensemble, to ask every member srvr and the leader mntr (instead of host).
    type: list
    elements: dict
  port: {description: Its client port., type: int, default: 2181}
  word: {description: The four-letter word., type: str, default: srvr}
  timeout: {description: Seconds to wait for the answer., type: float, default: 5}
author: zookeeper-ts
"""

RETURN = r"""
answer: {description: The member's answer as it sent it (empty when it did not answer)., type: str, returned: always}
fields: {description: "srvr's Key: value and mntr's key<TAB>value lines.", type: dict, returned: always}
mode: {description: "srvr's Mode (leader, follower, observer, standalone), or empty.", type: str, returned: always}
serving: {description: Whether the member (with members, every member) answered with a Mode., type: bool, returned: always}
error: {description: Why there is no answer (connection refused, timed out, ...)., type: str, returned: always}
modes: {description: "With members: each member's Mode, or empty when it does not serve.", type: dict, returned: with members}
leader: {description: With members, the member that says it leads (empty when none)., type: str, returned: with members}
synced_followers: {description: "With members, the leader's mntr zk_synced_followers (-1 without a leader).", type: int, returned: with members}
"""

import socket

from ansible.module_utils.basic import AnsibleModule

# An answer larger than this is not a four-letter word's (mntr is a few kB): stop reading.
ANSWER_MAX_BYTES = 1024 * 1024


def ask(host: str, port: int, word: str, timeout: float) -> str:
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(word.encode("ascii"))
        chunks = []
        size = 0
        while size < ANSWER_MAX_BYTES:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
            size += len(b)
        return b"".join(chunks).decode("utf-8", "replace")


def parse(answer: str) -> dict:
    fields = {}
    for line in answer.splitlines():
        if "\t" in line:
            key, _, value = line.partition("\t")
        elif ": " in line:
            key, _, value = line.partition(": ")
        else:
            continue
        fields[key.strip()] = value.strip()
    return fields


def member_answer(host: str, port: int, word: str, timeout: float) -> tuple[str, str]:
    try:
        return ask(host, port, word, timeout), ""
    except OSError as e:
        return "", str(e)


def ensemble(module: AnsibleModule) -> None:
    p = module.params
    modes, errors, leader = {}, {}, ""
    for m in p["members"]:
        answer, error = member_answer(m["host"], int(m.get("port", 2181)), "srvr", p["timeout"])
        modes[m["name"]] = parse(answer).get("Mode", "")
        if error:
            errors[m["name"]] = error
        if modes[m["name"]] == "leader":
            leader = m["name"]
    synced = -1
    if leader:
        m = next(m for m in p["members"] if m["name"] == leader)
        answer, _ = member_answer(m["host"], int(m.get("port", 2181)), "mntr", p["timeout"])
        synced = int(parse(answer).get("zk_synced_followers", "-1"))
    module.exit_json(changed=False, modes=modes, errors=errors, leader=leader, synced_followers=synced,
                     serving=all(modes.values()))


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str"},
            "members": {"type": "list", "elements": "dict"},
            "port": {"type": "int", "default": 2181},
            "word": {"type": "str", "default": "srvr"},
            "timeout": {"type": "float", "default": 5},
        },
        required_one_of=[("host", "members")],
        mutually_exclusive=[("host", "members")],
        supports_check_mode=True,
    )
    if module.params["members"]:
        ensemble(module)
        return
    p = module.params
    answer, error = "", ""
    try:
        answer = ask(p["host"], p["port"], p["word"], p["timeout"])
    except OSError as e:
        error = str(e)
    fields = parse(answer)
    mode = fields.get("Mode", "")
    module.exit_json(changed=False, answer=answer, fields=fields, mode=mode, serving=bool(mode), error=error)


if __name__ == "__main__":
    main()
