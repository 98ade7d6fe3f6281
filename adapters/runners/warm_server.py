"""greenloop's warm pytest server: imports pytest and its plugins once, then forks a child per test run that becomes
what a fresh `python -m pytest ARGS` (or `pytest ARGS`) would be.

greenloop copies this file next to the run's reports and runs it by path with the Python the test command would run,
which may be a project's own venv without greenloop: standard library and pytest only, syntax old Pythons parse.
Nothing of the project is on its path and its folder holds only this file, so it never imports the project's code.

Protocol, one JSON object a line each way. Started, the server says {"ready": {...}} or {"refused": why}. For each
{"run": request} the child says {"pid": its pid} once it leads a session of its own, or the server says {"cold": why}
when this run cannot be warm; then the server says {"status": exit code, or minus the signal}. A child is reaped
only when the next line arrives, so until then its pid names its process group: the client stops that group, with
whatever the tests left running, before it says anything else.

What a child shares with a fresh interpreter: the interpreter and its flags (the client starts one server per
start-up environment), sys.path, argv and orig_argv, `__main__`, the environment, working directory, stdin (/dev/null),
stdout and stderr (the output file), signal handlers, warnings filters, a fresh `random` seed (the module reseeds at
fork), and every module not yet imported: the project's modules, conftests and plugins are imported fresh in each
child, and a run whose path would shadow a module the server imported goes cold. What it does not: the hash seed
when PYTHONHASHSEED is unset (one draw per server, not per run); a plugin that reads the environment when imported,
which saw the server's (its first run's); the server's objects, frozen out of garbage collection (`gc.freeze`); the
module teardown at exit, skipped (atexit handlers and non-daemon threads still run); warnings printed while a plugin
was imported (in the server's log, not in each run's output); and pytest leads its own session, not a shell's child.
"""

from __future__ import annotations

import sys

_AT_START = frozenset(sys.modules)  # what the interpreter imported before running this file: the same in a fresh one

import builtins  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.machinery  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402


def main() -> None:
    control_in, control_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)  # whatever a plugin prints goes to the log, never into the protocol
    tail = sys.path[1:]  # the interpreter's own path, without this file's folder
    refused = _unfit()
    if not refused:
        try:
            import pytest
        except ImportError as error:
            refused = f"pytest cannot be imported: {error}"
        else:
            plugins, skipped = _preload()
            threads = _threads()
            if threads > 1:  # a fork would copy the locks of threads it does not copy
                refused = f"importing the pytest plugins started {threads - 1} thread(s)"
    if refused:
        print(refused, file=sys.stderr, flush=True)
        _say(control_out, {"refused": refused})
        return
    import inspect

    inspect.getmodule(compile("", "<greenloop>", "exec"))  # fills the file → module cache pytest's tracebacks use
    ready = {"ready": {"python": sys.executable, "version": sys.version.split()[0], "pytest": pytest.__version__,
                       "plugins": plugins, "skipped": skipped}}
    print(json.dumps(ready), file=sys.stderr, flush=True)
    _say(control_out, ready)
    request = _serve(control_in, control_out, tail, _shadowable())
    if request is not None:  # in a child, which is now the test run
        _exit(*_run(request))


def _unfit() -> str | None:
    if not hasattr(os, "fork") or not hasattr(os, "waitid"):
        return "this platform has no fork() or waitid()"
    return None


def _preload() -> tuple[list[str], dict[str, str]]:
    """Import pytest's own plugins, and the installed pytest11 plugins as a fresh pytest imports them: through its
    assertion-rewriting import hook, with the same modules marked for rewriting (else pytest would warn that it
    cannot rewrite them). (plugins imported, {plugin: why it was not})."""
    try:
        import importlib.metadata

        from _pytest.assertion import install_importhook
        from _pytest.config import _iter_rewritable_modules, get_config

        config = get_config()  # imports pytest's own plugins, as pytest.main does first
        if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            return [], {}
        plugins, rewritten = [], set()
        for dist in importlib.metadata.distributions():
            modules = [ep.value.partition(":")[0].strip() for ep in dist.entry_points if ep.group == "pytest11"]
            if modules:
                plugins += modules
                rewritten |= set(_iter_rewritable_modules(str(file) for file in dist.files or [])) or {
                    module.partition(".")[0] for module in modules}
        hook = install_importhook(config)
    except Exception as error:  # another pytest's internals: pytest alone is still worth it
        return [], {"*": f"pytest's plugin machinery is not usable here: {type(error).__name__}: {error}"}
    try:
        hook.mark_rewrite(*(rewritten - set(sys.modules)))
        return _import_installed(plugins)
    finally:
        sys.meta_path.remove(hook)


def _import_installed(plugins: list[str]) -> tuple[list[str], dict[str, str]]:
    """Import the plugins installed in site-packages. One anywhere else (an editable install) may be the project's
    own, which candidates edit: a fresh import in each child sees their edits."""
    site = _site_dirs()
    loaded, skipped = [], {}
    for module in plugins:
        where = _origin(module.partition(".")[0])
        if not where or not where.startswith(site):
            skipped[module] = f"not installed in site-packages ({where or 'no file'})"
            continue
        try:
            importlib.import_module(module)
        except Exception as error:  # a fresh pytest will say so itself
            skipped[module] = f"{type(error).__name__}: {error}"
        else:
            loaded.append(module)
    return loaded, skipped


def _site_dirs() -> tuple[str, ...]:
    import site
    import sysconfig

    dirs = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    dirs.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    if site.ENABLE_USER_SITE:
        dirs.add(site.getusersitepackages())
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs)


def _origin(top_level: str) -> str | None:
    """The real path a top-level module or package would be imported from, without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(top_level)
    except (ImportError, ValueError):
        return None
    return os.path.realpath(spec.origin) if spec and spec.has_location and spec.origin else None


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))  # native threads too
    except OSError:
        import threading

        return threading.active_count()


def _shadowable() -> frozenset[str]:
    """Top-level modules imported here that a fresh interpreter would only import after the test command's own
    path entries are in place: a file of that name in one of them would be imported there instead."""
    names = set()
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        if "." not in name and name not in _AT_START and spec is not None and spec.has_location:
            names.add(name)
    return frozenset(names)


def _serve(control_in: int, control_out: int, tail: list[str], shadowable: frozenset[str]) -> dict | None:
    """Answer requests until the client hangs up (None); in a forked child, the request it is to run."""
    suffixes = tuple(importlib.machinery.all_suffixes())
    child = None
    for line in _lines(control_in):
        if child is not None:
            os.waitpid(child, 0)
            child = None
        request = json.loads(line).get("run")
        if request is None:  # {"reap": pid}: only to reap
            continue
        path, ahead = _sys_path(request, tail)
        why = _shadowed(ahead, shadowable, suffixes)
        if why:
            _say(control_out, {"cold": why})
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        gc.freeze()  # the child's collections skip what was here before it: no time, no copied pages
        child = os.fork()
        if child == 0:
            _become(request, path, control_in, control_out)
            return request
        _say(control_out, {"status": _exit_status(child)})
    if child is not None:
        os.waitpid(child, 0)
    return None


def _sys_path(request: dict, tail: list[str]) -> tuple[list[str], list[str]]:
    """`sys.path` as the interpreter would set it up — the script's folder (`python -m`: the working directory)
    first unless PYTHONSAFEPATH, then PYTHONPATH's entries made absolute, then its own, without duplicates — and
    the entries it puts before its own."""
    cwd = os.path.realpath(request["cwd"])
    head = []
    if not getattr(sys.flags, "safe_path", False):
        script = request["script"]
        head.append(os.path.dirname(os.path.realpath(os.path.join(cwd, script))) if script else cwd)
    python_path = request["env"].get("PYTHONPATH")
    entries = [os.path.abspath(os.path.join(cwd, entry)) for entry in python_path.split(os.pathsep)] \
        if python_path else []
    rest = []
    for entry in entries + tail:
        if entry not in rest:
            rest.append(entry)
    return head + rest, head + entries


def _shadowed(entries: list[str], shadowable: frozenset[str], suffixes: tuple[str, ...]) -> str | None:
    """Why this run cannot be warm when an entry holds a module this server has imported (or cannot be looked
    into, like a zip file): a fresh interpreter would import that one instead."""
    for entry in entries:
        if os.path.exists(entry) and not os.path.isdir(entry):
            return f"{entry} on the path is not a folder"
        try:
            items = os.listdir(entry)
        except OSError:  # missing or unreadable: nothing can be imported from it
            continue
        for item in items:
            stem = next((item[: -len(s)] for s in suffixes if item.endswith(s)), None)
            if stem in shadowable or item in shadowable and os.path.isfile(os.path.join(entry, item, "__init__.py")):
                return f"{os.path.join(entry, item)} would shadow the module the warm server imported"
    return None


def _become(request: dict, path: list[str], control_in: int, control_out: int) -> None:
    """In the child: the process a fresh interpreter would be, short of its start-up."""
    os.setsid()  # its own session and group: the client stops all of it at the timeout and after the run
    _say(control_out, {"pid": os.getpid()})
    os.close(control_in)
    os.close(control_out)
    output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if hasattr(time, "tzset"):
        time.tzset()  # TZ as the run has it
    sys.path[:] = path
    sys.argv[1:] = request["args"]  # argv[0] is set by runpy, as by the interpreter
    if hasattr(sys, "orig_argv"):
        sys.orig_argv = request["orig_argv"]


def _run(request: dict) -> tuple[int, bool]:
    """Run pytest in a fresh `__main__` as `python -m pytest` (or `python path/to/pytest`) runs it: (exit status,
    whether an uncaught KeyboardInterrupt ended it), an uncaught exception printed as the interpreter prints it."""
    main = sys.modules["__main__"] = types.ModuleType("__main__")
    main.__builtins__ = builtins
    try:
        script = request["script"]
        if script:
            main.__file__, main.__cached__ = script, None
            main.__loader__ = importlib.machinery.SourceFileLoader("__main__", script)
            sys.argv[0] = script
            with open(script, "rb") as file:
                code = compile(file.read(), script, "exec")
            exec(code, vars(main))
        else:
            runpy._run_module_as_main("pytest")  # what `-m` runs
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            return exit.code or 0, False
        print(exit.code, file=sys.stderr)
        return 1, False
    except BaseException as error:
        error = error.with_traceback(error.__traceback__.tb_next)  # starting where a fresh interpreter's does
        sys.excepthook(type(error), error, error.__traceback__)
        return 1, isinstance(error, KeyboardInterrupt)
    return 0, False


def _exit(code: int, interrupted: bool) -> None:
    """Exit as the interpreter does (wait for non-daemon threads, run the atexit handlers, flush stdout and stderr)
    but without tearing down every module the server imported, a tenth of a second: only objects still alive at
    exit can tell, whose finalizers Python does not promise to run anyway."""
    threading = sys.modules.get("threading")
    if threading is not None and hasattr(threading, "_shutdown"):
        threading._shutdown()
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    if interrupted:  # as Python exits after an uncaught KeyboardInterrupt: killed by SIGINT
        import signal

        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code)


def _exit_status(pid: int) -> int:
    """Wait for the child to end without reaping it: its pid must stay its group's until the client is done."""
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def _lines(fd: int):
    buffered = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            yield line


def _say(fd: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


if __name__ == "__main__":
    main()
