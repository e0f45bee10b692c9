"""kg: knowledge graphs from Chinese local-government livelihood (民生) news."""

from __future__ import annotations

__version__ = "0.1.0"
