"""The keyword peer: ten regular expressions, one per alert type, as a yardstick for the detector.

A newsroom's first alerting tool is usually a keyword list. The real-news evaluation
(``escalert evaluate --set realnews``) runs this peer on the same items as the detector and prints
its numbers beside the detector's, so a change is judged against what a plain keyword list does.
It has no modality, actors or negation: every match is taken as an asserted event.

    python -m service.detection.keyword_peer "Troops fired on protesters in the capital."
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from schemas.common import EventType

_W = r"(?<![\w-])"  # a word starts here
_E = r"(?![\w-])"  # and ends here

PATTERNS: dict[EventType, re.Pattern[str]] = {
    t: re.compile(p, re.IGNORECASE)
    for t, p in {
        EventType.MOBILIZE: _W + r"(?:mobili[sz]\w*|deploy\w*|troop build-?up|massed troops|put on (?:high )?alert|"
        r"military exercises?|war ?games|reservists? (?:called|summoned))" + _E,
        EventType.CONSULT: _W + r"(?:met with|meets? with|meeting with|talks with|held talks|summit|"
        r"(?:phone|telephone) call|state visit|official visit|consultations?|negotiat\w*)" + _E,
        EventType.THREATEN: _W + r"(?:threat\w*|warn\w*|ultimatum|vow\w* to (?:retaliate|respond|strike)|"
        r"will (?:retaliate|strike back))" + _E,
        EventType.SANCTION: _W + r"(?:sanction\w*|embargo\w*|expel\w*|boycott\w*|cut (?:off )?(?:diplomatic )?ties|"
        r"recall\w* (?:its |their )?ambassador|freez\w* (?:the )?assets|asset freeze|tariffs? on)" + _E,
        EventType.ASSAULT: _W + r"(?:attack\w*|kill\w*|shot|shoot\w*|shell\w*|bomb\w*|air ?strikes?|missiles?|"
        r"clash\w*|fighting|fought|explo(?:sion|sions|ded)|ambush\w*|assault\w*|wound\w*|abduct\w*|kidnap\w*|"
        r"massacre\w*|raid\w*|invade\w*|invasion|fired (?:on|at)|opened fire)" + _E,
        EventType.AGREE: _W + r"(?:agree\w*|signed|sign(?:s|ing)? (?:a |an |the )?(?:deal|treaty|accord|pact|"
        r"agreement)|ceasefire deal|truce|accord|treaty|memorandum of understanding)" + _E,
        EventType.AID: _W + r"(?:aid|humanitarian assistance|relief supplies|donat\w*|military assistance|"
        r"pledged \$?\d[\d.,]* ?(?:million|billion))" + _E,
        EventType.COERCE: _W + r"(?:arrest\w*|detain\w*|detention|jail\w*|imprison\w*|curfew|crackdown|"
        r"deport\w*|seiz\w*|confiscat\w*|censor\w*|banned|martial law|state of emergency|tear ?gas)" + _E,
        EventType.RETREAT: _W + r"(?:withdr[ae]w\w*|withdrawal|pull(?:ed|s|ing)? (?:out|back)|retreat\w*|"
        r"surrender\w*|released? (?:the )?(?:hostages?|prisoners?|detainees?)|lift\w* (?:the )?(?:sanctions|ban|"
        r"blockade|curfew))" + _E,
        EventType.PROTEST: _W + r"(?:protest\w*|demonstrat(?:ion|ions|ors?|ed)|rall(?:y|ies|ied)|marched|"
        r"march(?:es)? (?:through|on|to)|strik(?:e|es|ing) (?:by|over|for)|went on strike|sit-?in|riot\w*)" + _E,
    }.items()
}


@dataclass(frozen=True)
class PeerHit:
    """One keyword match: the type, where the matched words are, and the words."""

    type: EventType
    start: int
    end: int
    text: str


def peer_detect(text: str) -> list[PeerHit]:
    """Every match of the ten patterns in ``text``, in text order."""
    hits = [PeerHit(t, m.start(), m.end(), m.group(0)) for t, p in PATTERNS.items() for m in p.finditer(text)]
    return sorted(hits, key=lambda h: (h.start, h.type.value))


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m service.detection.keyword_peer TEXT ...", file=sys.stderr)
        return 2
    for hit in peer_detect(" ".join(argv)):
        print(f"{hit.type.value:9} {hit.start:5}-{hit.end:<5} {hit.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
