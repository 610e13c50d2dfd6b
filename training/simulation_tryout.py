"""Playing a simulation from any node with chosen meter values and flags, for its authors: nothing is recorded.

The state travels in the page (a signed token, so a tampered link is refused rather than played), and each
choice is applied with the same step rules learners play (training.simulation_rules through
training.simulation), so what an author tries here is what a learner would meet. Draft options are offered
too (marked), since authors try them before publishing; guards, effects, flags, delayed effects, branches and
events behave as in a learner's run.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core import signing

from training import simulation as sim
from training import simulation_rules as rules
from training.models import Meter, Node, Option, Simulation
from training.simulation_editing import NodeChoiceField

__all__ = ["TryState", "TryoutChoiceForm", "TryoutStartForm", "choose", "meters_of", "options_at"]

SALT = "training.simulation-tryout"


@dataclass
class TryState:
    node: Node
    state: rules.RunState
    number: int  # decisions taken so far in this try

    def token(self, simulation: Simulation) -> str:
        data = {
            "simulation": simulation.pk,
            "node": self.node.key,
            "number": self.number,
            "meters": dict(self.state.meters),
            **rules.state_to_json(self.state),
        }
        return signing.dumps(data, salt=SALT, compress=True)


def meters_of(simulation: Simulation) -> list[Meter]:
    return list(Meter.objects.active().filter(simulation=simulation).in_order())


def _flag_choices(simulation: Simulation) -> list[tuple[str, str]]:
    flags = simulation.flags if isinstance(simulation.flags, list) else []
    return [
        (str(flag["key"]), str(flag.get("label") or flag["key"]))
        for flag in flags
        if isinstance(flag, dict) and flag.get("key")
    ]


class TryoutStartForm(forms.Form):
    """Where to start and in what state: a node (any, endings included), each meter's value, the flags set."""

    node = NodeChoiceField(queryset=Node.objects.none(), label="Start at node", to_field_name="key")
    flags = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Flags already set"
    )

    def __init__(self, *args, simulation: Simulation, start: str | None = None, **kwargs):
        """`start`: the node key to offer first (a "play from here" link); default the simulation's start."""
        super().__init__(*args, **kwargs)
        self.simulation = simulation
        field = self.fields["node"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Node.objects.active().filter(simulation=simulation).in_order()
        field.initial = start or (simulation.start_node.key if simulation.start_node else None)
        self.meters = meters_of(simulation)
        for meter in self.meters:
            self.fields[f"meter-{meter.key}"] = forms.IntegerField(
                label=meter.label,
                min_value=meter.min,
                max_value=meter.max,
                initial=meter.start,
                help_text=f"From {meter.min} to {meter.max}; learners start at {meter.start}.",
            )
        flags = self.fields["flags"]
        assert isinstance(flags, forms.MultipleChoiceField)
        flags.choices = _flag_choices(simulation)
        if not flags.choices:
            del self.fields["flags"]

    def try_state(self) -> TryState:
        data = self.cleaned_data
        state = rules.RunState(
            meters=tuple((meter.key, data[f"meter-{meter.key}"]) for meter in self.meters),
            flags=frozenset(data.get("flags") or ()),
        )
        return TryState(node=data["node"], state=state, number=0)


class TryoutChoiceForm(forms.Form):
    """One choice in a try: the signed state and the option's key."""

    state = forms.CharField(widget=forms.HiddenInput, max_length=20000)
    option = forms.SlugField(max_length=50)

    def __init__(self, *args, simulation: Simulation, **kwargs):
        super().__init__(*args, **kwargs)
        self.simulation = simulation

    def clean_state(self) -> TryState:
        try:
            data = signing.loads(self.cleaned_data["state"], salt=SALT)
        except signing.BadSignature:
            raise forms.ValidationError("This try's state is damaged; start again from the form.") from None
        if not isinstance(data, dict) or data.get("simulation") != self.simulation.pk:
            raise forms.ValidationError("This try belongs to another simulation; start again from the form.")
        node = Node.objects.active().filter(simulation=self.simulation, key=data.get("node")).first()
        if node is None:
            raise forms.ValidationError("The node of this try no longer exists; start again from the form.")
        meters = meters_of(self.simulation)
        stored = data.get("meters")
        values: dict = stored if isinstance(stored, dict) else {}
        state = rules.state_from_run(sim.meter_ranges(meters), sim.meter_values(meters, values), data)
        return TryState(node=node, state=state, number=int(data.get("number") or 0))


@dataclass(frozen=True)
class TryOption:
    option: Option
    available: bool
    reason: str = ""

    @property
    def draft(self) -> bool:
        return not self.option.is_published


def options_at(try_state: TryState) -> list[TryOption]:
    """Every active option at the node (drafts too), available or not with the reason a learner would see."""
    values, flags = try_state.state.values, try_state.state.flags
    found = []
    for option in Option.objects.active().filter(node=try_state.node).in_order().select_related("next_node"):
        if sim.guard_met(option, values, flags):
            found.append(TryOption(option, True))
        else:
            found.append(TryOption(option, False, sim.unavailable_reason(option)))
    return found


class TryoutError(ValueError):
    """The choice cannot be played (unknown, unavailable, or it leads nowhere)."""


@dataclass
class TryStep:
    option: Option
    changes: list[sim.MeterChange]
    event: str
    after: TryState


def choose(simulation: Simulation, try_state: TryState, option_key: str) -> TryStep:
    """Apply the option to the try's state with the learners' step rules; nothing is written."""
    option = next((o.option for o in options_at(try_state) if o.option.key == option_key), None)
    if option is None:
        raise TryoutError("That option is not one of the choices at this node.")
    values = try_state.state.values
    if not sim.guard_met(option, values, try_state.state.flags):
        raise TryoutError(f"That option is not available in this state: {sim.unavailable_reason(option)}")
    meters = meters_of(simulation)
    result = rules.step(
        meters=sim.meter_ranges(meters),
        events=sim.event_rules(simulation.events),
        state=try_state.state,
        option=sim.option_rule(option, option.next_node.key if option.next_node else ""),
        number=try_state.number + 1,
    )
    node = (
        Node.objects.active().filter(simulation=simulation, key=result.destination).first()
        if result.destination
        else None
    )
    if node is None:
        raise TryoutError("That option leads nowhere yet: give it a next node (or a branch that holds).")
    changes = sim.meter_changes(meters, values, result.state.values, result.intended)
    after = TryState(node=node, state=result.state, number=try_state.number + 1)
    return TryStep(option=option, changes=changes, event=result.event, after=after)
