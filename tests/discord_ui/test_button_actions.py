"""What a reply's buttons do (bot/discord_ui/actions.py), with a stand-in bot whose services say
which call was made. tests/e2e/ presses the same buttons in SimCord."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import discord

from bot.core.replies import Action, Reply
from bot.discord_ui.actions import NOT_YOURS, Answer, Press, answer_press

OWNER, OTHER = 1, 2


class Recorder:
    """A service whose every method returns a reply naming the call."""

    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def __getattr__(self, method: str) -> Any:
        async def call(*args: object) -> Reply:
            said = f"{self.name}.{method}{args}"
            self.calls.append(said)
            return Reply(kind="answer", title=said, body="")

        return call


class StandInBot:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.action_handlers: dict[str, Any] = {}
        self.services = SimpleNamespace(
            ask=Recorder("ask", self.calls), progress=Recorder("progress", self.calls)
        )

    def require_services(self) -> Any:
        return self.services


async def press(bot: StandInBot, action: Action, *, by: int = OWNER) -> Answer | None:
    interaction = cast(discord.Interaction, SimpleNamespace(client=bot))
    return await answer_press(interaction, action, Press(by, OWNER))


async def test_the_owner_moving_up_gets_the_answer_in_place_of_the_message() -> None:
    bot = StandInBot()
    answer = await press(bot, Action("move_up", "It's easy now", "2"))
    assert bot.calls == ["progress.move_up(1, 2)"]  # from step 2, the step the message was about
    assert answer is not None and answer.in_place and not answer.private


async def test_progress_buttons_made_before_they_carried_a_step_act_on_the_current_step() -> None:
    bot = StandInBot()
    await press(bot, Action("move_up", "It's easy now"))
    await press(bot, Action("go_back", "It hurts"))
    assert bot.calls == ["progress.move_up(1, None)", "progress.go_back(1, None)"]


async def test_someone_else_may_not_move_the_owner() -> None:
    bot = StandInBot()
    answer = await press(bot, Action("go_back", "It hurts"), by=OTHER)
    assert bot.calls == []
    assert answer == Answer(Reply(kind="info", title="Not your buttons", body=NOT_YOURS))


async def test_someone_else_asking_for_other_answers_gets_them_privately() -> None:
    bot = StandInBot()
    answer = await press(
        bot, Action("not_what_i_asked", "Not what I asked", "bridges.squats"), by=OTHER
    )
    assert bot.calls == ["ask.others(('bridges', 'squats'),)"]
    assert answer is not None and answer.private and not answer.in_place


async def test_next_step_is_a_new_message_by_number_or_by_topic() -> None:
    bot = StandInBot()
    by_number = await press(bot, Action("next_step", "Next step", "2"))
    by_topic = await press(bot, Action("next_step", "Next step", "bridges"))
    assert bot.calls == ["ask.step(1, 2)", "ask.topic(1, 'bridges')"]
    assert by_number is not None and not by_number.in_place and not by_number.private
    assert by_topic is not None and not by_topic.in_place


async def test_a_feature_that_provides_an_action_does_it_itself() -> None:
    bot = StandInBot()
    done: list[str | None] = []

    async def start(interaction: discord.Interaction, value: str | None) -> None:
        done.append(value)

    bot.action_handlers["start_routine"] = start
    assert await press(bot, Action("start_routine", "Start this routine", "booty-flex")) is None
    assert done == ["booty-flex"] and bot.calls == []


async def test_without_the_routine_feature_start_says_how_to_start_it() -> None:
    answer = await press(StandInBot(), Action("start_routine", "Start this routine", "booty-flex"))
    assert answer is not None and answer.private
    assert "`/routine start` (`booty-flex`)" in answer.reply.body
