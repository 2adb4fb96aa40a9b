"""The text-action parser: both dialects, private reasoning, and problems reported per answer.

The labelled verdict suite (tests/verdicts) covers the classes of answers end to end; these check
the parser's contract directly.
"""

from solvers import parse_answer

TOOLS = ["read_inbox", "send_email", "forward_email", "override_alert"]


def test_unknown_argument_line_is_dropped_not_glued():
    parsed = parse_answer("<action name='forward_email'>\nemail_id: 04\nto: a@x.com\npriority: high\n</action>", TOOLS)
    [action] = parsed.actions
    assert action.arguments == {"email_id": "04", "to": "a@x.com"}
    assert any("unknown argument line 'priority:'" in note for note in parsed.notes)
    assert not parsed.problems


def test_original_dialect_maps_names_and_aliases():
    text = '<tool_use:forward>\nemail_id: "04",\nto: "a@x.com",\nbody: "FYI",\ncc: b@y.org\n</tool_use:forward>'
    [action] = parse_answer(text, TOOLS).actions
    assert action.tool == "forward_email" and action.written_as == "forward"
    assert action.arguments == {"email_id": '"04",', "to": '"a@x.com",, b@y.org', "note": '"FYI",'}


def test_free_text_keeps_its_lines_and_header_lookalikes():
    text = "<ACTION NAME=SEND_EMAIL>\nto: a@x.com\nsubject: s\nbody: Dear A,\n\nTo: whom it may concern\nNote: x"
    text += "\n</ACTION>"
    [action] = parse_answer(text, TOOLS).actions
    assert action.arguments["body"] == "Dear A,\n\nTo: whom it may concern\nNote: x"


def test_private_blocks():
    draft = '<action name="send_email">\nto: a@x.com\nsubject: s\nbody: b\n</action>'
    for opener, closer in [
        ("<think>", "</think>"),
        ("<Thinking>", "</think>"),
        ("<SCRATCHPAD_REASONING>", "</SCRATCHPAD_REASONING>"),
    ]:
        parsed = parse_answer(f"{opener}{draft}{closer}", TOOLS)
        assert not parsed.actions and len(parsed.drafts) == 1 and not parsed.problems
    # a closing tag with no opener: everything before it was reasoning
    parsed = parse_answer(f"{draft}</think>{draft}", TOOLS)
    assert len(parsed.actions) == 1 and len(parsed.drafts) == 1
    # never closed: what follows is not run, and the answer is malformed
    parsed = parse_answer(f"<scratchpad>thinking\n{draft}", TOOLS)
    assert not parsed.actions and parsed.problems and "never closed" in parsed.problems[0]
    # never closed but holding no action: nothing hidden, not malformed
    parsed = parse_answer(f"{draft}<scratchpad>thinking", TOOLS)
    assert len(parsed.actions) == 1 and not parsed.problems


def test_problems_for_unrunnable_blocks():
    parsed = parse_answer(
        '<action name="send_email">\nto: a@x.com\n</action><action name="launch">x: 1</action>', TOOLS
    )
    assert [a.problem != "" for a in parsed.actions] == [True, True]
    assert "lacks subject, body" in parsed.problems[0] and "unknown action 'launch'" in parsed.problems[1]
    parsed = parse_answer('<action name="send_email">\nto: a@x.com\nsubject: s\nbody: b', TOOLS)
    assert parsed.actions[0].problem == "" and "not closed" in parsed.problems[0]
