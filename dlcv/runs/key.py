"""A run's key: a hash of everything that decides its result.

The builder's code (its source less docstrings and comments) and arguments, the training
settings, the data's identity (its ``info`` less where it lies and why it was chosen), the
seed, the precision policy, the distribution strategy, the training code and the versions of
TensorFlow and Keras. The profile is no part of it by name: the profile's settings that decide
a run (epochs, batch size, image size, counts, learning rate, precision) reach the key as the
run's own arguments and data.
"""


from __future__ import annotations
import __future__

import ast
import dis
import hashlib
import inspect
import json
import textwrap
from collections.abc import Callable
from typing import Any

from dlcv.errors import ConfigError

NOT_DATA_IDENTITY = ("path", "reason")
"""Entries of a data set's ``info`` that say where it lies or why it was chosen, not what it is:
left out of a run's key, so the same data on another machine, or found in a cache instead of
downloaded, keys the same run."""


def run_config(
    build_model: Callable,
    data_info: dict,
    *,
    name: str | None,
    model_kwargs: dict,
    fit: dict,
    seed: int,
    policy: str,
    strategy: dict | None,
    training_source: str,
    versions: dict,
) -> dict:
    """The configuration that keys a run, as stored in its ``run.json`` (JSON types only).

    Raises:
        ConfigError: if something in it cannot be written as JSON, or the builder's source
            cannot be found.
    """
    config = {
        "name": name or build_model.__name__,
        "builder": f"{build_model.__module__}.{build_model.__qualname__}",
        "builder_source": _source(build_model),
        "model_kwargs": canonical(model_kwargs),
        "fit": dict(fit),
        "data": {k: v for k, v in data_info.items() if k not in NOT_DATA_IDENTITY},
        "seed": seed,
        "training_source": training_source,
        "versions": dict(versions),
    }
    # Added only when not the default, so that a float32 run on one device stays short.
    if policy != "float32":
        config["precision"] = policy
    if strategy is not None:
        config["strategy"] = strategy
    try:
        return json.loads(json.dumps(config, sort_keys=True))  # tuples become lists, as stored
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"run() keys a run on its data's info and its settings, which must be JSON "
            f"(strings, numbers, lists, dicts): {error}. Check data.info and the arguments."
        ) from error


def run_key(config: dict) -> str:
    """The 16 hexadecimal digits that name a run of ``config`` in the cache."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def entry_name(config: dict) -> str:
    """The folder name of a run in the cache: ``<name>-<key>``."""
    return f"{config['name']}-{run_key(config)}"


def training_source_hash() -> str:
    """A hash of the code that trains (:mod:`dlcv.training`'s compile, optimizer and fit): a
    change to what it does trains every run again; a change to its docstrings or comments
    does not."""
    from dlcv import training  # TensorFlow: only when a run is keyed or a bundle checked

    deciding = (training.build_and_compile, training._optimizer, training.fit_and_evaluate)
    text = "".join(code_text(function) for function in deciding)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def code_text(function: Callable) -> str:
    """What ``function``'s source does: its code without docstrings, comments or layout
    (``ast.unparse``), so that documenting a builder does not retrain its runs. The source as
    written when it does not parse alone (a lambda inside a longer line)."""
    source = inspect.getsource(function)
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return source
    if not _is_the_running_code(function, tree):
        raise ConfigError(
            f"The source of {function.__qualname__} in {inspect.getsourcefile(function)} is not "
            "the code Python runs: the file changed after it was imported. Restart the kernel "
            "(or the process) so that the run is keyed on the code that trains it."
        )
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def _is_the_running_code(function: Callable, tree: ast.Module) -> bool:
    """Whether ``tree``, the source ``inspect`` found for ``function``, is the function Python
    runs. ``inspect`` reads the file as it is now at the line where the function was when it was
    imported: after an edit, that can be another function, or this one changed."""
    code = getattr(function, "__code__", None)
    defined = tree.body[0] if tree.body else None
    if code is None or not isinstance(defined, ast.FunctionDef | ast.AsyncFunctionDef):
        return True  # a lambda or another callable: nothing to compare
    if defined.name != function.__name__:
        return False
    if code.co_freevars:  # a closure compiles differently alone; its name has to do
        return True
    future = __future__.annotations.compiler_flag
    compiled = compile(tree, "<source>", "exec", flags=code.co_flags & future, dont_inherit=True)
    return any(
        getattr(const, "co_name", None) == function.__name__
        and _signature(const) == _signature(code)
        for const in compiled.co_consts
    )


def _signature(code) -> tuple:
    """What a code object names, holds, takes and computes: its names, variables, constants
    (nested code by its own signature), arguments and operators (``+``, ``<``, ``not``...). Not
    its whole bytecode, which the same Python lays out differently (jumps, attribute loads) for
    a module imported and a function compiled alone."""
    constants = tuple(
        _signature(const) if hasattr(const, "co_code") else repr(const) for const in code.co_consts
    )
    operators = tuple(
        (instruction.opname, instruction.argrepr)
        for instruction in dis.get_instructions(code)
        if instruction.opname in _OPERATORS or instruction.opname.startswith("UNARY_")
    )
    return (
        code.co_names, code.co_varnames, code.co_argcount, code.co_kwonlyargcount, constants,
        operators,
    )


_OPERATORS = frozenset({"BINARY_OP", "COMPARE_OP", "IS_OP", "CONTAINS_OP"})


def _source(build_model: Callable) -> str:
    try:
        return code_text(build_model)
    except (OSError, TypeError) as error:
        raise ConfigError(
            f"run() keys a run on its builder's source code, and the source of {build_model!r} "
            "cannot be found: define the builder with def in a file or notebook cell."
        ) from error


def canonical(value: Any) -> Any:
    """A JSON-able description of an argument; Keras objects by their config, minus names
    (Keras numbers auto-named layers per session, which must not change the key)."""
    import keras

    if isinstance(value, keras.Layer | keras.optimizers.Optimizer):
        return _without_names(keras.saving.serialize_keras_object(value))
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ConfigError(
        f"run() cannot key a run on a model argument of type {type(value).__name__}; "
        "pass numbers, strings, or Keras layers."
    )


def _without_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_names(v) for k, v in value.items() if k not in ("name", "build_config")}
    if isinstance(value, list):
        return [_without_names(v) for v in value]
    return value
