"""What django-reversion stores for a profile: the compound and every versioned part, as one revision.

Registered from AppConfig.ready(), from the parts registry. The compound follows each part's rows (and a
part's rows follow their own child rows), and each row follows back to its compound, so recording either
side records the whole profile.
"""

import reversion

from evidence.models import Source

from .models import Compound
from .parts import versioned_parts


def register_models():
    if reversion.is_registered(Compound):
        return
    parts = versioned_parts()
    reversion.register(Compound, follow=tuple(part.relation for part in parts))
    for part in parts:
        reversion.register(part.model, follow=("compound", *(child.relation for child in part.children)))
        for child in part.children:
            reversion.register(child.model, follow=(child.parent_field,))
    if not reversion.is_registered(Source):  # SourceAdmin (a VersionAdmin) may have registered it already
        reversion.register(Source)
