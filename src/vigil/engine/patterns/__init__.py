"""The filter-pattern language of CloudWatch Logs, compiled to DuckDB SQL (see docs/filter-patterns.md)."""

from vigil.engine.patterns.compiler import CompiledPattern, PatternKind, compile_pattern

__all__ = ["CompiledPattern", "PatternKind", "compile_pattern"]
