"""The layout's rules that the import contracts (`lint-imports`) cannot state.

- No import cycles between the engine's modules, inside a layer as well as across layers.
- No module imports another module's private (`_underscore`) names.
- Every charge model registered in `engine.language.charges` implements every face of a
  model: building, arithmetic, explanation, review facts (fast code is optional).
"""

from __future__ import annotations

import ast
from pathlib import Path

from engine.language.charges import MODELS
from engine.language.charges.base import Charge

ENGINE = Path(__file__).resolve().parent.parent / "engine"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ENGINE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[tuple[str, str | None]]]:
    """Each engine module's imports of engine modules: (module, name imported from it or None)."""
    found: dict[str, set[tuple[str, str | None]]] = {}
    modules = {module_name(p) for p in ENGINE.rglob("*.py")}
    for path in ENGINE.rglob("*.py"):
        edges = found.setdefault(module_name(path), set())
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("engine") and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    edges.add((submodule, None) if submodule in modules else (node.module, alias.name))
            elif isinstance(node, ast.Import):
                edges |= {(alias.name, None) for alias in node.names if alias.name.startswith("engine")}
    return found


def test_no_module_imports_private_names_of_another():
    private = [(module, target, name) for module, edges in imports().items() for target, name in edges if name and name.startswith("_")]
    assert private == []


def test_no_import_cycles():
    graph = {module: {target for target, _ in edges if target != module} for module, edges in imports().items()}
    # A package's __init__ importing its own submodules is how a package re-exports them: not a cycle of meaning.
    graph = {module: {target for target in targets if not target.startswith(module + ".")} for module, targets in graph.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target] if target in stack else [module, target])
            elif target not in state:
                visit(target, [*stack, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_each_registered_model_has_every_face():
    faces = ("build", "figures", "explain", "facts", "words")
    for name, model in MODELS.items():
        assert model.model == name
        assert model.required, f"{name} declares the parameters it needs"
        missing = [face for face in faces if getattr(model, face) is getattr(Charge, face)]
        assert missing == [], f"model {name} does not implement {missing}"
