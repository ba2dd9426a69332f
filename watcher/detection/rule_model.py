"""A detection rule as the engine reads it: a Rule, its Cues and the Guards that lower them, with
the values their keys may take; plain data, no I/O.

rules.py builds them from the rules file (rule_readers.py checks and reads each table); the
stages (scoring, places, strike, verdict) read them. default_rules.toml says what each key means.
"""

from __future__ import annotations

from dataclasses import dataclass

STRIKE_TYPES = ("air_drone", "missile_rocket", "shelling", "unclear")
SCOPES = ("overlap", "near", "before", "sentence", "document")
# Names of the lowerings the engine makes itself, which no guard may take: they show in
# explanations next to the guards' names and would be read as them.
RESERVED_GUARDS = {
    "headline": "a bare strike word in the headline, with no armed force or aircraft named",
    "elsewhere": "the story leads with a strike elsewhere",
    "context": "a photo caption or a link to another story, not the story itself",
    "background": "background about an earlier strike, not the one the story reports",
    "remembered": "the story remembers an old strike (an anniversary, a commemoration)",
}


@dataclass(frozen=True)
class Cue:
    lexicon: str
    with_lexicon: str | None
    near: int
    ordered: bool
    weight: float
    strike_type: str
    # In the headline, the cue counts fully only with a phrase of one of these lexicons there
    # too ("US forces strike ..."); else its weight is multiplied by headline_factor.
    headline_needs: tuple[str, ...] = ()
    headline_factor: float = 1.0
    # The cue's words say a strike, not how it was delivered ("bombardment", "forces bombed"):
    # its strike type stands only where no strike words of the lead name a weapon or aircraft.
    generic_type: bool = False


@dataclass(frozen=True)
class Guard:
    id: str
    reason: str
    scope: str
    near: int
    factor: float
    lexicons: tuple[str, ...] | None  # None: acts on every cue lexicon
    # Acts only when no clause boundary sits between its words and the cue's.
    clause: bool = False
    # Its words head a noun phrase ("the anniversary of the drone strike that killed him"),
    # which a comma ends: it acts only on cues with no comma between them and its words.
    phrase: bool = False
    # A text that this guard alone keeps from firing denies that strike (Detection.denial).
    denies: bool = False
    # The guard tells an old strike remembered: where it lowers the strike words of the
    # headline or the rule's first elsewhere_sentences sentences and no strike is told there,
    # the story is about that strike.
    remembers: bool = False


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    countries: tuple[str, ...]
    window: int
    demonym_factor: float
    elsewhere_factor: float
    threshold: float
    lead: int
    later_factor: float
    guards: tuple[str, ...] | None  # None: every guard
    cues: tuple[Cue, ...]
    # Multiplies cues in photo captions and links to other stories (clauses.ROLES).
    context_factor: float = 0.0
    # Multiplies cues in sentences after the lede about earlier strikes (clauses.ROLES).
    background_factor: float = 1.0
    # How a cue is tied to a place (default_rules.toml says each in words).
    nearer_elsewhere_factor: float = 0.4
    # Multiplies the later cues of a story about an old strike remembered (Guard.remembers).
    remembered_factor: float = 1.0
    window_decay: float = 0.1
    next_sentence_factor: float = 0.7
    headline_place_factor: float = 0.8
    # A strike placed in another country marks the story as told elsewhere when it is in the
    # headline or one of this many sentences of the story after it (clauses.SentenceRoles.position).
    elsewhere_sentences: int = 1
    # The fields are the first strike sentence's that scores at least this share of the best.
    lead_strike_share: float = 0.6
    # The lede: this many sentences of the story after the headline. Where they name how the
    # strike was delivered, they type it before the headline, which compresses.
    lede_sentences: int = 2
    # Which of the places named leads an alert (default_rules.toml says each in words): a site
    # or town this close to a named city is inside it, a region with no governorate holds
    # the towns this close to its middle.
    inside_km: float = 30.0
    region_km: float = 250.0
    # Where the toll is read: the strike sentences of this many first sentences (headline
    # included) and then the rest of them, then later strike sentences, then the others of the
    # first toll_sentences.
    toll_first_sentences: int = 4
    toll_sentences: int = 13
