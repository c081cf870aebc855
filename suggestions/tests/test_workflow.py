"""The loop's registry: one entry per step, from which the tables, the page's forms and the dispatch come."""

import inspect

import pytest

from suggestions import workflow
from suggestions.loop import forms as loop_forms
from suggestions.models import Assignment, Stage
from suggestions.workflow import ACTIONS, ASSIGNMENT, EXTENSION, SUGGESTION, Action


def test_every_action_name_has_exactly_one_entry():
    names = {value for key, value in vars(Action).items() if key.isupper()}
    assert names == set(ACTIONS)


def test_the_tables_are_derived_from_the_entries():
    assert workflow.TRANSITIONS[(Stage.COLLECT, Action.HAND_TO_REPRESENTATIVE)] == Stage.ASSESS
    assert workflow.TRANSITIONS[(Stage.FEEDBACK, Action.RATE_REJECT)] == Stage.ASSESS
    assert (Stage.CLOSED, Action.FLAG) not in workflow.TRANSITIONS
    assert workflow.ACTORS[Action.RELEASE] == {workflow.REPRESENTATIVE, workflow.STAFF}
    assert workflow.ASSIGNMENT_TRANSITIONS[(Assignment.Status.PENDING, Action.ACCEPT)] == Assignment.Status.ACCEPTED
    assert (Assignment.Status.PENDING, Action.REPLY) not in workflow.ASSIGNMENT_TRANSITIONS
    assert set(workflow.OPEN_ASSIGNMENT) == {Assignment.Status.PENDING, Assignment.Status.ACCEPTED}


@pytest.mark.parametrize("action", [a for a, step in ACTIONS.items() if step.form])
def test_each_step_on_the_page_has_a_form_and_a_service_that_fit(action):
    step = ACTIONS[action]
    form_class = step.form_class()
    assert issubclass(form_class, loop_forms.LoopForm)
    service = step.service()
    parameters = inspect.signature(service).parameters
    keyword = {SUGGESTION: "suggestion", ASSIGNMENT: "assignment", EXTENSION: "request"}[step.on]
    assert keyword in parameters and "by" in parameters
    # What the form passes on must be what the service takes.
    form_fields = set(form_class.base_fields) - {"assignment", "request", "decision"}
    assert form_fields <= set(parameters) | {"decision"}, (action, form_fields - set(parameters))
    assert step.moves, f"{action} is offered on the page but may be taken at no stage"
    if step.on == ASSIGNMENT:
        assert step.assignment_moves, f"{action} acts on an assignment but the status table has no row for it"


def test_the_pages_steps_are_in_the_registrys_order():
    assert workflow.SUGGESTION_ACTIONS[:3] == (Action.HAND_TO_REPRESENTATIVE, Action.ANSWER_DIRECTLY, Action.ASSIGN)
    assert workflow.ASSIGNMENT_ACTIONS[0] == Action.ACCEPT
    assert Action.RATE_ACCEPT not in workflow.SUGGESTION_ACTIONS  # the citizen's step has no staff form


def test_the_default_assessor_rule():
    assert workflow.pick_assessor(addressed="甲", first_on_duty="乙", head="丙") == "甲"
    assert workflow.pick_assessor(addressed=None, first_on_duty="乙", head="丙") == "乙"
    assert workflow.pick_assessor(addressed=None, first_on_duty=None, head="丙") == "丙"
