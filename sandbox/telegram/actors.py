"""Acting as people and chats in the Telegram stand-in, and the lookups it shares.

:class:`Actors` is the part of :class:`sandbox.telegram.standin.TelegramStandIn` that
writes the way people, channels and anonymous group admins do, presses inline
buttons and edits posts; each action stores the message and queues the update
every bot that can see the chat would get (see the module doc of
``sandbox/telegram/standin.py`` for the public signatures).
"""

from __future__ import annotations

import copy

from sandbox.telegram.api import bot_sees_chat
from sandbox.telegram.content import MEDIA_KINDS, media_content, quoted
from sandbox.telegram.state import (
    GROUP_ANONYMOUS_BOT,
    ApiDict,
    BotAccount,
    CallbackQuery,
    Chat,
    Member,
    StoredMessage,
    TelegramState,
    User,
    now,
    place,
)
from sandbox.telegram.text import TextError, format_text


class Actors:
    """Users, channels and groups acting on the stand-in's state."""

    state: TelegramState

    def _touch(self) -> None:
        """Signal a state change (implemented by the stand-in)."""

    # -- acting -----------------------------------------------------------------------------

    def user_sends(
        self,
        user_id: int,
        text: str | None = None,
        chat_id: int | None = None,
        *,
        bot: int | str | None = None,
        entities: list[ApiDict] | None = None,
        parse_mode: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
        caption: str | None = None,
        caption_entities: list[ApiDict] | None = None,
        media_group_id: str | None = None,
        forward_from_chat: int | None = None,
        forward_from_message_id: int | None = None,
        forward_from_user: int | None = None,
        chat_shared: ApiDict | None = None,
        users_shared: ApiDict | None = None,
        **media: str | bool,
    ) -> ApiDict:
        user = self._user(user_id)
        if chat_id is None or chat_id == user_id:
            account = self._bot(bot)
            chat = self.state.private_chat(account, user)
            account.started_by.add(user_id)
        else:
            chat = self._chat(chat_id, bot)
            if chat.type == "channel":
                raise ValueError("people do not write in channels: use channel_post")
            member = chat.member(user_id)
            if member is None:
                chat.members[user_id] = Member(user_id, "member")
            elif not member.is_member:
                raise ValueError(f"user {user_id} is {member.status} in chat {chat.id}")
        content = self._content(text, entities, parse_mode, media, caption, caption_entities)
        if chat_shared is not None:
            content["chat_shared"] = chat_shared
        if users_shared is not None:
            content["users_shared"] = users_shared
        if not content:
            raise ValueError("a message needs text, media or a service payload")
        origin = self._origin(forward_from_chat, forward_from_message_id, forward_from_user)
        stored = self._incoming(
            chat,
            content,
            sender=user.to_api(),
            thread_id=thread_id,
            reply_to=reply_to,
            media_group_id=media_group_id,
            forward_origin=origin,
        )
        self._deliver(chat, "message", stored)
        return copy.deepcopy(stored.data)

    def channel_post(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        entities: list[ApiDict] | None = None,
        parse_mode: str | None = None,
        caption: str | None = None,
        caption_entities: list[ApiDict] | None = None,
        media_group_id: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
        author_signature: str | None = None,
        reply_markup: ApiDict | None = None,
        link_preview_options: ApiDict | None = None,
        **media: str | bool,
    ) -> ApiDict:
        chat = self._chat(chat_id)
        content = self._content(text, entities, parse_mode, media, caption, caption_entities)
        if not content:
            raise ValueError("a post needs text or media")
        if link_preview_options is not None:
            if "text" not in content:
                raise ValueError("only a text has link preview options")
            content["link_preview_options"] = link_preview_options
        if reply_markup is not None:
            content["reply_markup"] = reply_markup
        stored = self._post(chat, content, media_group_id, reply_to, thread_id, author_signature)
        return copy.deepcopy(stored.data)

    def post_album(
        self,
        chat_id: int,
        items: list[ApiDict],
        *,
        user_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> list[ApiDict]:
        if not 2 <= len(items) <= 10:
            raise ValueError("an album has 2-10 items")
        group_id = self.state.new_media_group_id()
        sent: list[ApiDict] = []
        for index, item in enumerate(items):
            item = dict(item)
            if "type" in item and "media" in item:
                item[item.pop("type")] = item.pop("media")
            caption = item.pop("caption", None)
            caption_entities = item.pop("caption_entities", None)
            parse_mode = item.pop("parse_mode", None)
            first_reply = reply_to if index == 0 else None
            if user_id is not None:
                sent.append(
                    self.user_sends(
                        user_id,
                        chat_id=chat_id,
                        caption=caption,
                        caption_entities=caption_entities,
                        parse_mode=parse_mode,
                        media_group_id=group_id,
                        thread_id=thread_id,
                        reply_to=first_reply,
                        **item,
                    )
                )
            else:
                sent.append(
                    self.channel_post(
                        chat_id,
                        caption=caption,
                        caption_entities=caption_entities,
                        parse_mode=parse_mode,
                        media_group_id=group_id,
                        thread_id=thread_id,
                        reply_to=first_reply,
                        **item,
                    )
                )
        return sent

    def edit_post(
        self,
        chat_id: int,
        message_id: int,
        text: str | None = None,
        caption: str | None = None,
        *,
        entities: list[ApiDict] | None = None,
        caption_entities: list[ApiDict] | None = None,
        parse_mode: str | None = None,
        reply_markup: ApiDict | None = None,
        bot: int | str | None = None,
    ) -> ApiDict:
        chat = self._chat(chat_id, bot)
        stored = self._stored(chat, message_id)
        data = dict(stored.data)
        if reply_markup is not None:  # {} takes the keyboard away
            data.pop("reply_markup", None)
            if reply_markup.get("inline_keyboard"):
                data["reply_markup"] = reply_markup
        if text is not None:
            if "text" not in data:
                raise ValueError("only a text message gets new text; use caption=")
            data.pop("entities", None)
            data.update(self._content(text, entities, parse_mode, {}, None, None))
        elif caption is not None:
            if "text" in data:
                raise ValueError("a text message has no caption; use text=")
            data.pop("caption", None)
            data.pop("caption_entities", None)
            data.update(self._caption(caption, caption_entities, parse_mode))
        elif reply_markup is None:
            raise ValueError("edit_post needs text=, caption= or reply_markup=")
        data["edit_date"] = now()
        stored.data = data
        kind = "edited_channel_post" if chat.type == "channel" else "edited_message"
        self._deliver(chat, kind, stored)
        return copy.deepcopy(data)

    def delete_message(
        self, chat_id: int, message_id: int, *, bot: int | str | None = None
    ) -> None:
        self._stored(self._chat(chat_id, bot), message_id).deleted = True
        self._touch()

    def inject_update(self, raw: ApiDict, *, bot: int | str | None = None) -> ApiDict:
        """Queue ``raw`` as an update as it is (any type, any content), under the next id."""
        update = self._bot(bot).queue(copy.deepcopy(raw))
        self._touch()
        return copy.deepcopy(update)

    def press_button(
        self,
        user_id: int,
        message: ApiDict | tuple[int, int] | list[int],
        data: str,
        *,
        forge: bool = False,
        bot: int | str | None = None,
    ) -> str:
        user = self._user(user_id)
        if isinstance(message, dict):
            chat_id, message_id = int(message["chat"]["id"]), int(message["message_id"])
        else:
            chat_id, message_id = int(message[0]), int(message[1])
        chat = self._chat(chat_id, bot)
        stored = self._stored(chat, message_id)
        if stored.sender_bot_id is not None:
            account = self.state.bot_by_id(stored.sender_bot_id) or self._bot(bot)
        else:
            account = self._bot(bot)
        if not forge:
            if stored.sender_bot_id is None:
                raise ValueError(f"message {message_id} was not sent by a bot")
            buttons = [
                button
                for row in stored.data.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            if not any(button.get("callback_data") == data for button in buttons):
                offered = [b.get("callback_data") for b in buttons if "callback_data" in b]
                raise ValueError(
                    f"no button with callback_data {data!r}; the message has {offered}"
                )
        query_id = self.state.new_callback_id()
        self.state.callbacks[query_id] = CallbackQuery(
            query_id, account.id, user.id, chat.id, message_id, data
        )
        account.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": copy.deepcopy(stored.data),
                "chat_instance": str(abs(hash((account.id, chat.id))) % 10**18),
                "data": data,
            },
        )
        self._touch()
        return query_id

    def callback_answer(self, callback_query_id: str) -> ApiDict | None:
        """What the bot answered to a pressed button (None while unanswered)."""
        query = self.state.callbacks.get(str(callback_query_id))
        if query is None:
            raise ValueError(f"no callback query {callback_query_id!r}")
        return dict(query.answer) if query.answered and query.answer is not None else None

    # -- lookups and builders ------------------------------------------------------------

    def _bot(self, ref: int | str | None) -> BotAccount:
        bots = list(self.state.bots.values())
        if ref is None:
            if len(bots) != 1:
                raise ValueError(f"{len(bots)} bots registered: name one with bot=")
            return bots[0]
        for account in bots:
            if ref in (account.token, account.id, str(account.id)) or (
                isinstance(ref, str) and ref.lstrip("@") == account.user.username
            ):
                return account
        raise ValueError(f"no bot {ref!r}")

    def _user(self, user_id: int) -> User:
        user = self.state.users.get(int(user_id))
        if user is None:
            raise ValueError(f"no user {user_id}: add_user() first")
        return user

    def _chat(self, chat_id: int, bot: int | str | None = None) -> Chat:
        chat_id = int(chat_id)
        if chat_id < 0:
            found = self.state.chats.get(chat_id)
        else:
            found = self.state.private_chats.get((self._bot(bot).id, chat_id))
        if found is None:
            raise ValueError(f"no chat {chat_id}")
        return found

    def _stored(self, chat: Chat, message_id: int) -> StoredMessage:
        stored = chat.messages.get(int(message_id))
        if stored is None or stored.deleted:
            raise ValueError(f"no message {message_id} in chat {chat.id}")
        return stored

    def _chat_owner(self, chat: Chat) -> int | None:
        return next((m.user_id for m in chat.members.values() if m.status == "creator"), None)

    def _caption(
        self, caption: str | None, entities: list[ApiDict] | None, parse_mode: str | None
    ) -> ApiDict:
        if not caption:
            return {}
        try:
            formatted = format_text(caption, parse_mode, entities)
        except TextError as exc:
            raise ValueError(str(exc)) from None
        content: ApiDict = {"caption": formatted.text}
        if formatted.entities:
            content["caption_entities"] = formatted.entities
        return content

    def _content(
        self,
        text: str | None,
        entities: list[ApiDict] | None,
        parse_mode: str | None,
        media: dict[str, str | bool],
        caption: str | None,
        caption_entities: list[ApiDict] | None,
    ) -> ApiDict:
        unknown = set(media) - set(MEDIA_KINDS)
        if unknown:
            raise TypeError(f"unexpected keyword arguments: {sorted(unknown)}")
        kinds = [kind for kind in MEDIA_KINDS if media.get(kind)]
        if len(kinds) > 1:
            raise ValueError("one message carries one media")
        if kinds:
            kind = kinds[0]
            value = media[kind]
            file_id = value if isinstance(value, str) else self.state.new_file_id(kind)
            self.state.register_file(file_id, kind)
            content = media_content(self.state, kind, file_id, {})
            content.update(self._caption(caption, caption_entities, parse_mode))
            return content
        if text is None:
            return {}
        try:
            formatted = format_text(text, parse_mode, entities)
        except TextError as exc:
            raise ValueError(str(exc)) from None
        content = {"text": formatted.text}
        if formatted.entities:
            content["entities"] = formatted.entities
        return content

    def _origin(
        self, chat_id: int | None, message_id: int | None, user_id: int | None
    ) -> ApiDict | None:
        if chat_id is not None:
            source = self._chat(chat_id)
            origin: ApiDict = {"type": "chat", "date": now(), "sender_chat": source.to_api()}
            if source.type == "channel":
                origin = {
                    "type": "channel",
                    "date": now(),
                    "chat": source.to_api(),
                    "message_id": message_id or 1,
                }
            return origin
        if user_id is not None:
            return {"type": "user", "date": now(), "sender_user": self._user(user_id).to_api()}
        return None

    def _post(
        self,
        chat: Chat,
        content: ApiDict,
        media_group_id: str | None,
        reply_to: int | None,
        thread_id: int | None,
        author_signature: str | None,
    ) -> StoredMessage:
        if chat.type == "channel":
            stored = self._incoming(
                chat,
                content,
                sender_chat=chat.to_api(),
                thread_id=thread_id,
                reply_to=reply_to,
                media_group_id=media_group_id,
                author_signature=author_signature,
            )
            self._deliver(chat, "channel_post", stored)
        elif chat.type in ("group", "supergroup"):
            stored = self._incoming(
                chat,
                content,
                sender=dict(GROUP_ANONYMOUS_BOT),
                sender_chat=chat.to_api(),
                thread_id=thread_id,
                reply_to=reply_to,
                media_group_id=media_group_id,
                author_signature=author_signature,
            )
            self._deliver(chat, "message", stored)
        else:
            raise ValueError("channel_post posts in channels and groups")
        return stored

    def _incoming(
        self,
        chat: Chat,
        content: ApiDict,
        *,
        sender: ApiDict | None = None,
        sender_chat: ApiDict | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
        media_group_id: str | None = None,
        forward_origin: ApiDict | None = None,
        author_signature: str | None = None,
    ) -> StoredMessage:
        """Store a message written by a person or a chat (not by a bot)."""
        if thread_id and chat.is_forum and thread_id not in chat.topics:
            raise ValueError(f"no topic {thread_id} in chat {chat.id}")
        replied = self._stored(chat, reply_to) if reply_to else None
        data: ApiDict = {"message_id": chat.take_message_id()}
        if sender is not None:
            data["from"] = sender
        if sender_chat is not None:
            data["sender_chat"] = sender_chat
        place(data, chat, thread_id)
        if replied is not None:
            data["reply_to_message"] = quoted(replied)
        if media_group_id:
            data["media_group_id"] = str(media_group_id)
        if forward_origin is not None:
            data["forward_origin"] = forward_origin
        if author_signature:
            data["author_signature"] = author_signature
        data.update(content)
        if chat.has_protected_content:
            data["has_protected_content"] = True
        stored = StoredMessage(data)
        chat.messages[stored.message_id] = stored
        return stored

    def _deliver(self, chat: Chat, kind: str, stored: StoredMessage) -> None:
        """Queue ``kind`` with the message for every bot that sees ``chat``."""
        for account in self.state.bots.values():
            if chat.type == "private":
                if self.state.private_chats.get((account.id, chat.id)) is not chat:
                    continue
            elif not bot_sees_chat(account, chat):
                continue
            account.push_update(kind, copy.deepcopy(stored.data))
        self._touch()
