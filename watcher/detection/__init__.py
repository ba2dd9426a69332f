"""Articles to detections: a title and text in, a Detection (with StrikeFields and the reasons
it fired) or None out; no I/O beyond loading the shipped rules and gazetteer once.

The path, one module each:
- sentences: title and text → a Document (sentence spans, phrase hits, each sentence's role);
- places: the places the Document names, by sentence;
- scoring: each rule's cues → Candidates scored by weight, guards and place, combined;
- strike: the lead strike of the best rule that fired → StrikeFields (places, toll, date,
  type), with actor for who struck;
- verdict: the best rule → a Detection, or None, and the reasons in words (detect, explain).
The rules (rules, default_rules.toml; read with rule_model, rule_readers, word_lists,
user_places and examples), the gazetteer, phrase matching (phrases), clauses, the lead's context
(lead), fields read from sentences (fields) and Arabic (arabic) serve them.
"""

from __future__ import annotations

from watcher.detection.fields import PlaceRef, StrikeFields
from watcher.detection.rules import RuleSet, default_rules, load_rules
from watcher.detection.sentences import Mention
from watcher.detection.verdict import Detection, Verdict, detect, explain, with_stated_day

__all__ = [
    "Detection",
    "Mention",
    "PlaceRef",
    "RuleSet",
    "StrikeFields",
    "Verdict",
    "default_rules",
    "detect",
    "explain",
    "load_rules",
    "with_stated_day",
]
