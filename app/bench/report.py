"""The benchmark's report: report.md with a table, and PNG plots drawn with pyqtgraph offscreen."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from app.bench.harness import SuiteResult

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


def offscreen_app():
    """The QApplication the plots draw in (offscreen unless a platform is set): for every report."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["imitation-studio-bench"])
    pg.setConfigOptions(background="w", foreground="#222", antialias=True)
    return app


def export_png(plot_widget, path: Path, width: int = 1000, height: int = 560) -> None:
    """A plot widget as a PNG of the given size (the coach and sweep reports use it too)."""
    import pyqtgraph.exporters as exporters

    plot_widget.resize(width, height)
    exporter = exporters.ImageExporter(plot_widget.plotItem)
    exporter.parameters()["width"] = width
    exporter.export(str(path))


def _curves(result: SuiteResult, path: Path, title: str, keep, x_label: str) -> bool:
    """One learning-curve plot of the cases ``keep(case)`` accepts; False when there are none."""
    import pyqtgraph as pg

    names = list(dict.fromkeys(c.name for c in result.cases if c.curve_steps and keep(c)))
    if not names:
        return False
    widget = pg.PlotWidget(title=title)
    widget.setBackground("w")
    widget.addLegend(offset=(10, 10))
    widget.setLabel("bottom", x_label)
    widget.setLabel("left", "normalised return")
    widget.addItem(pg.InfiniteLine(pos=1.0, angle=0, pen=pg.mkPen("#555", style=pg.QtCore.Qt.PenStyle.DashLine)))
    for index, name in enumerate(names):
        runs = [c for c in result.cases if c.name == name and c.curve_steps]
        length = min(len(c.curve_steps) for c in runs)
        steps = np.array(runs[0].curve_steps[:length], dtype=float)
        values = np.median([c.curve_normalized[:length] for c in runs], axis=0)
        colour = COLOURS[index % len(COLOURS)]
        widget.plot(
            steps, values, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5, symbolBrush=colour, name=name
        )
    export_png(widget, path)
    return True


def _human(case) -> bool:
    return case.demos.startswith("human")


CURVE_PLOTS = (
    (
        "curves.png",
        "LunarLander: deterministic evaluation during GAIL training",
        "env steps",
        lambda c: c.env.startswith("LunarLander") and c.algo == "gail" and not _human(c),
    ),
    (
        "curves-human.png",
        "Human-like demos (LunarLander): evaluation during GAIL training",
        "env steps",
        lambda c: c.algo == "gail" and _human(c),
    ),
    (
        "curves-bc.png",
        "Behaviour cloning: deterministic evaluation by epoch",
        "BC epochs",
        lambda c: c.algo == "bc" and not c.name.startswith("paper-"),
    ),
    (
        "curves-cartpole.png",
        "CartPole: deterministic evaluation during GAIL training",
        "env steps",
        lambda c: c.env == "CartPole-v1" and c.algo == "gail" and not c.name.startswith("paper-"),
    ),
)


def _paper_plots(result: SuiteResult, out: Path) -> list[str]:
    """The GAIL paper's Fig. 1 for each env: scaled return against the number of trajectories."""
    import pyqtgraph as pg

    drawn = []
    paper = [c for c in result.cases if c.name.startswith("paper-") and not c.error]
    for env in dict.fromkeys(c.env for c in paper):
        widget = pg.PlotWidget(title=f"{env}: final return against demo trajectories (random 0, expert 1)")
        widget.setBackground("w")
        widget.addLegend(offset=(10, 10))
        widget.setLabel("bottom", "trajectories in the demos")
        widget.setLabel("left", "scaled return (median over seeds)")
        widget.addItem(pg.InfiniteLine(pos=1.0, angle=0, pen=pg.mkPen("#555", style=pg.QtCore.Qt.PenStyle.DashLine)))
        for index, algo in enumerate(("gail", "bc")):
            runs = [c for c in paper if c.env == env and c.algo == algo]
            counts = sorted({int(c.demos.split("-")[1]) for c in runs})
            medians = [float(np.median([c.final_normalized for c in runs if c.demos == f"expert-{n}"])) for n in counts]
            colour = COLOURS[index]
            widget.plot(
                counts, medians, pen=pg.mkPen(colour, width=2), symbol="o", symbolBrush=colour, name=algo.upper()
            )
        name = f"paper-{env.split('-')[0].lower()}.png"
        export_png(widget, out / name, width=800, height=480)
        drawn.append(name)
    return drawn


def _bars(labels: list[str], values: list[float], title: str, axis: str, path: Path, reference: float | None) -> None:
    import pyqtgraph as pg

    widget = pg.PlotWidget(title=title)
    widget.setBackground("w")
    x = np.arange(len(values))
    widget.addItem(pg.BarGraphItem(x=x, height=values, width=0.6, brushes=[COLOURS[i % len(COLOURS)] for i in x]))
    widget.getAxis("bottom").setTicks([[(i, label) for i, label in enumerate(labels)]])
    widget.setLabel("left", axis)
    if reference is not None:
        widget.addItem(
            pg.InfiniteLine(pos=reference, angle=0, pen=pg.mkPen("#555", style=pg.QtCore.Qt.PenStyle.DashLine))
        )
    export_png(widget, path, width=1200, height=520)


def _short(name: str) -> str:
    return (
        name.replace("lunar-", "")
        .replace("-ppo-clip", "")
        .replace("continuous-gail", "cont")
        .replace("imperfect-", "imp-")
        .replace("cartpole-gail", "cartpole")
        .replace("paper-", "")
    )


def _optional(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def write_report(result: SuiteResult, out: Path) -> Path:
    """Write report.md and the PNG plots into ``out``; returns the report's path."""
    offscreen_app()
    rows = [row for row in result.summary() if "error" not in row]
    drawn = [name for name, title, x_label, keep in CURVE_PLOTS if _curves(result, out / name, title, keep, x_label)]
    drawn += _paper_plots(result, out)
    _bars(
        [_short(r["case"]) for r in rows],
        [r["normalized_median"] for r in rows],
        "Final deterministic return, normalised (median over seeds; demos = 1)",
        "normalised return",
        out / "scores.png",
        1.0,
    )
    speed_rows = [r for r in rows if r["steps_per_s"] > 0]
    _bars(
        ["bare env"] + [_short(r["case"]) for r in speed_rows],
        [result.bare_env_steps_per_s] + [r["steps_per_s"] for r in speed_rows],
        "Throughput: env steps per second (bare LunarLander env vs whole training loops)",
        "steps/s",
        out / "throughput.png",
        None,
    )
    lines = [
        f"# Imitation Studio benchmark: suite `{result.suite}`",
        "",
        f"Machine: {result.machine.get('platform')}, {result.machine.get('cpus')} CPUs, Python "
        f"{result.machine.get('python')}, torch {result.machine.get('torch')}, device `{result.device}`"
        + (f" ({result.machine['gpu']})" if "gpu" in result.machine else "")
        + f". Seeds: {', '.join(map(str, result.seeds))}."
        + (f" Settings on top of every case's: `{result.overrides}`." if result.overrides else ""),
        "",
        "Normalised return: 0 = a uniformly random policy, 1 = the demos' mean return (for `paper-` cases: "
        "the scripted expert's mean on the same seeds); deterministic policy, final evaluation on held-out "
        "reset seeds. Medians over seeds. *Sampled*: the same policies sampling their actions. *Shown*: "
        "what the app presents by its own rule (sampled only when the run's final evaluation says it plays "
        "clearly better; an earlier policy of the run when it settled on one), per seed; *last*: the run's last "
        "policy as it would have been shown. *Time to 0.95*: seconds of the whole command (start to exit, "
        "without the bench's own evaluations) when it ends with a shown policy at 0.95 of the demos or more, "
        "median over seeds (a seed that did not counts as never); *done*: seeds the stopping rule ended early.",
        "",
        "| case | time to 0.95 s (per seed) | shown (per seed) | last | done | normalised (median) | per seed "
        "| sampled | return | length / demos' | steps to 0.9 | wall s | steps/s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result.summary():
        if "error" in row:
            lines.append(f"| {row['case']} | error: {row['error']} | | | | | | | | | | | | |")
            continue
        reach = f"{row['steps_to_0_9']:,}" if row["steps_to_0_9"] is not None else "not reached"
        shown = f"{row['shown_median']:.3f} ({', '.join(map(str, row['shown_all']))})"
        waited = ", ".join("never" if t is None else f"{t:.0f}" for t in row["time_to_0_95_all"])
        time_to = "never" if row["time_to_0_95_s"] is None else f"{row['time_to_0_95_s']:.0f}"
        lines.append(
            f"| {row['case']} | {time_to} ({waited}) | {shown} | {row['last_median']:.3f} | "
            f"{row['done_early']}/{row['seeds']} | {row['normalized_median']:.3f} | "
            f"{', '.join(map(str, row['normalized_all']))} | {_optional(row['stochastic_median'])} | "
            f"{row['return_median']:.1f} | "
            f"{row['length_median']:.0f} / {row['demo_length']:.0f} | {reach} | "
            f"{row['wall_time_s']:.0f} | {row['steps_per_s']:,.0f} | {row['peak_rss_mb']:.0f} |"
        )
    loop = result.gail_loop_cases()
    lines += ["", "## Speed", ""]
    lines.append(f"- Bare LunarLander env, one env, random actions: {result.bare_env_steps_per_s:,.0f} steps/s.")
    if loop:
        rate = result.gail_loop_steps_per_s()
        lines.append(
            f"- GAIL + PPO-clip training loop on LunarLander, everything included (rollouts, policy inference, "
            f"discriminator, updates, BC term): {rate:,.0f} steps/s; ratio to the bare env "
            f"{rate / result.bare_env_steps_per_s:.2f}."
        )
        growth = [c.rss_mb_at_end - c.rss_mb_at_quarter for c in loop]
        lines.append(
            f"- Memory of that case: peak RSS {max(c.peak_rss_mb for c in loop):.0f} MB; RSS at a quarter of the "
            f"run {loop[0].rss_mb_at_quarter:.0f} MB, at the end {loop[0].rss_mb_at_end:.0f} MB "
            f"(growth {max(growth):+.0f} MB)."
        )
    lines += [""]
    for name in drawn:
        lines += [f"![learning curves]({name})", ""]
    lines += [
        "![final scores](scores.png)",
        "",
        "![throughput](throughput.png)",
        "",
        "Raw figures per case and seed: `results.json`.",
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path
