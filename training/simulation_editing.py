"""Growing a simulation from its graph: an option at a decision node that leads to a new node, in one step.

Both are saved as drafts (learners see neither until an author publishes them), so a half-written branch
never reaches a learner; the graph then shows the new node with the loader's problems (no situation yet, no
options, or an ending without its debrief) until the author completes it in its change page. The new node is
a decision or an ending (with its outcome) and may get its situation in the same step.
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import Max

from training.models import Node, Option, Simulation, Status
from training.plain_text import refuse_control_characters

__all__ = ["AddOptionForm", "NodeChoiceField", "add_option_to_new_node", "next_option_key"]


def next_option_key(node: Node) -> str:
    """The first free key of a, b, c… at the node (archived options keep theirs)."""
    taken = set(Option.objects.filter(node=node).values_list("key", flat=True))
    for index in range(26):
        key = chr(ord("a") + index)
        if key not in taken:
            return key
    number = 27
    while f"o{number}" in taken:
        number += 1
    return f"o{number}"


class NodeChoiceField(forms.ModelChoiceField):
    """A node of the simulation, chosen by its key and shown with its title."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.title} ({obj.key})"


# The new node's kind: a decision, or an ending with its outcome.
NEW_KINDS = [
    ("decision", "Decision"),
    (Node.Outcome.SUCCESS, "Ending: success"),
    (Node.Outcome.MIXED, "Ending: mixed"),
    (Node.Outcome.FAILURE, "Ending: failure"),
]


class AddOptionForm(forms.Form):
    node = NodeChoiceField(queryset=Node.objects.none(), label="At decision node", to_field_name="key")
    text = forms.CharField(
        label="Option text",
        max_length=500,
        validators=[refuse_control_characters],
        help_text="What the learner can choose, as they will read it.",
    )
    new_key = forms.SlugField(
        label="New node's key",
        max_length=50,
        help_text="Lowercase letters, digits, hyphens and underscores; unique in this simulation.",
    )
    new_title = forms.CharField(
        label="New node's title", max_length=200, validators=[refuse_control_characters]
    )
    new_kind = forms.ChoiceField(
        label="New node's kind",
        choices=NEW_KINDS,
        required=False,
        help_text="A decision gets its options next; an ending needs its debrief before it can be published.",
    )
    new_situation = forms.CharField(
        label="New node's situation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[refuse_control_characters],
        help_text="Markdown: what the learner reads there. Optional now; needed to publish.",
    )

    def __init__(self, *args, simulation: Simulation, **kwargs):
        super().__init__(*args, **kwargs)
        self.simulation = simulation
        field = self.fields["node"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Node.objects.active().filter(simulation=simulation, is_ending=False).in_order()

    def clean_new_key(self) -> str:
        key: str = self.cleaned_data["new_key"]
        if Node.objects.filter(simulation=self.simulation, key=key).exists():
            raise forms.ValidationError(f"This simulation already has a node `{key}` (archived ones count).")
        return key


def add_option_to_new_node(simulation: Simulation, form: AddOptionForm) -> tuple[Option, Node]:
    """Save a draft node and a draft option leading to it from the chosen node."""
    data = form.cleaned_data
    kind = data.get("new_kind") or "decision"
    with transaction.atomic():
        source: Node = Node.objects.select_for_update().get(pk=data["node"].pk)
        last = Node.objects.filter(simulation=simulation).aggregate(last=Max("position"))["last"]
        node = Node.objects.create(
            simulation=simulation,
            key=data["new_key"],
            title=data["new_title"],
            situation=data.get("new_situation") or "",
            is_ending=kind not in ("", "decision"),
            outcome="" if kind in ("", "decision") else kind,
            status=Status.DRAFT,
            position=(last or 0) + 1,
        )
        last_option = Option.objects.filter(node=source).aggregate(last=Max("position"))["last"]
        option = Option.objects.create(
            node=source,
            key=next_option_key(source),
            text=data["text"],
            next_node=node,
            status=Status.DRAFT,
            position=(last_option or 0) + 1,
        )
    return option, node
