"""`POST /_mock/generate`: demo traffic for a sandbox that should look alive. Realistic
accounts, messages on every channel and subscribers' replies, made with faker (ru_RU) and
reproducible with a seed, all through the platform operations real traffic uses (accounts,
the send pipeline, incoming messages).

Faker is slow to load its Russian providers, so the fake data is made in a worker thread and
only the sends run on the event loop."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from devino_mock.control.table import Call, ControlError, ControlTable, json_response
from devino_mock.core import errors
from devino_mock.core.accounts import Account
from devino_mock.core.platform import ByAccount, Platform
from devino_mock.core.sending import SendRequest

MAX_MESSAGES = 500
MAX_ACCOUNTS = 20
SENDERS = ("DEVINO", "SHOP", "BANK", "TAXI", "PIZZA")


@dataclass
class Plan:
    accounts: list[dict] = field(default_factory=list)
    sends: list[dict] = field(default_factory=list)  # login, channel, source, destination, text, subject
    replies: list[tuple[int, str]] = field(default_factory=list)  # (index into sends, text)


def make_plan(seed: int | None, messages: int, accounts: int) -> Plan:
    from faker import Faker  # loaded here: importing it costs the package's import time

    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    draw = random.Random(seed)
    plan = Plan()
    for _ in range(accounts):
        login = f"demo_{fake.user_name()}"[:32]
        plan.accounts.append({"login": login, "password": fake.password(length=8, special_chars=False),
                              "balance": draw.randint(500, 5000)})
    for i in range(messages):
        login = plan.accounts[i % len(plan.accounts)]["login"]
        channel = draw.choices(("sms", "viber", "email"), weights=(6, 3, 1))[0]
        name = fake.first_name()
        number = "79" + "".join(str(draw.randint(0, 9)) for _ in range(9))
        if channel == "email":
            plan.sends.append({"login": login, "channel": "email", "source": "news@shop.example",
                               "destination": fake.free_email(), "subject": fake.catch_phrase()[:60],
                               "text": f"{name}, {fake.paragraph(nb_sentences=3)}"})
        else:
            text = draw.choice((f"{name}, ваш код: {draw.randint(1000, 9999)}",
                                f"{name}, заказ №{draw.randint(10000, 99999)} доставлен. {fake.address()}",
                                f"{name}, {fake.sentence(nb_words=8)}"))
            plan.sends.append({"login": login, "channel": channel, "source": draw.choice(SENDERS),
                               "destination": number, "text": text[:300], "subject": None})
            if draw.random() < 0.2:
                plan.replies.append((i, draw.choice(("Спасибо!", "Ок", "Не понял, что это?", fake.sentence(nb_words=4)))))
    return plan


def _whole(data: dict, name: str, default: int, most: int) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ControlError(f"'{name}' must be a whole number from 1 to {most}")
    return value


def register(table: ControlTable, platform: Platform) -> None:
    async def generate(call: Call):
        data = await call.body()
        unknown = sorted(set(data) - {"seed", "messages", "accounts"})
        if unknown:
            raise ControlError(f"unknown fields {unknown}: known are ['accounts', 'messages', 'seed']")
        seed = data.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ControlError("'seed' must be a whole number")
        plan = await asyncio.to_thread(make_plan, seed, _whole(data, "messages", 20, MAX_MESSAGES),
                                       _whole(data, "accounts", 2, MAX_ACCOUNTS))
        for account in plan.accounts:
            platform.upsert_account(Account.from_dict(account))
        made, refused = [], 0
        for index, send in enumerate(plan.sends):
            try:
                [message] = platform.send(ByAccount(send["login"]), SendRequest(
                    source=send["source"], destinations=[send["destination"]], text=send["text"],
                    transport="demo", channel=send["channel"], subject=send["subject"]))
            except errors.PlatformError:
                refused += 1
                continue
            made.append((index, message))
            if index % 50 == 49:
                await asyncio.sleep(0)  # let other requests in between
        by_index = dict(made)
        replies = 0
        for index, text in plan.replies:
            message = by_index.get(index)
            if message is not None:
                platform.reply(message.id, text)
                replies += 1
        await platform.outbox.flush()
        return json_response({"accounts": [a["login"] for a in plan.accounts], "messages": len(made),
                              "refused": refused, "replies": replies,
                              "ids": [m.id for _, m in made][:50]}, status=201)

    table.add("POST", "/generate", generate, "demo traffic: accounts, messages of every channel, replies (faker, seedable)")


__all__ = ["register", "make_plan"]
