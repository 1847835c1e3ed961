"""A bank's loan onboarding in Spanish, with assisted channels (branch, call centre).

Seeded and deterministic. ``n`` people over ``days`` days. Everyone starts on the web
(``visita_web``, maybe ``simulador_prestamo``); 45 % are prospects who never start an
application (their exit is normal, not friction). The others apply on their own channel (web,
app, ``oficina``, ``centro_llamadas``): ``solicitud_iniciada``, ``datos_personales``,
``documentacion_subida``, ``verificacion_identidad``, then days later ``evaluacion_riesgo``;
a quarter are declined (``prestamo_denegado``: the journey ends there by design), the rest get
``oferta_enviada``, pay the fee (``pago_comision``) and sign (``contrato_firmado``, the goal).
After the goal: ``cuenta_activada`` about a day later, then ``primer_uso`` or ``baja_cliente``.
Background failures and retries (``pago_fallido``, ``documentacion_caducada``,
``fallo_conexion``), calls and branch visits, and the noise of :mod:`emit`.

Planted (``planted=True``), each in :func:`truth` with its period and segment:

- ``change``: for three weeks ``fallo_conexion`` and ``llamada_asesor`` triple and signing
  halves (weak twin: ``simulador_prestamo`` ×1.5 for two weeks);
- ``loop``: for a month, applicants on the **app** go back and forth between
  ``datos_personales`` and ``documentacion_subida`` and sign less; their first event is on the
  web, so a loop located by the first event is located wrongly (weak twin: ×1.5 on the call
  centre);
- ``failure``: a third of web applicants' fee payments fail twice (``pago_fallido``) and they
  sign less (weak twin: ``documentacion_caducada`` ×1.5);
- ``wait``: for four weeks branch applicants wait eight times longer for the risk assessment
  and sign less often (weak twin: ×3 for five days);
- ``after_goal``: for a month activation after signing takes ten times longer, and those
  customers leave (``baja_cliente``) far more often (weak twin: five days).

Forbidden: "went quiet" after ``prestamo_denegado``, ``baja_cliente`` (outcomes) or after
``visita_web`` / ``simulador_prestamo`` (prospects who never start).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

from emit import DAY, Events
from planted import Forbidden, Planted, Truth

START = datetime(2025, 1, 6, tzinfo=UTC)
GOAL = "contrato_firmado"
CHANNELS = ("web", "app", "oficina", "centro_llamadas")
#: The chance of stopping after any step of an application (the same at every step).
QUIT = 0.05
#: What a slow activation moves later on.
LATER = ("primer_uso", "baja_cliente")


def _span(days: int, at: float, length: int) -> tuple[int, int]:
    first = int(days * at)
    return first, first + length - 1


def truth(days: int = 182) -> Truth:
    """The planted problems (customers still to be counted) and the forbidden findings."""
    p = [
        Planted(
            "change",
            ("fallo_conexion", "llamada_asesor", GOAL),
            "incident",
            3.0,
            *_span(days, 0.33, 21),
        ),
        Planted("change", ("simulador_prestamo",), "incident (weak)", 1.5, *_span(days, 0.75, 14)),
        Planted(
            "loop",
            ("datos_personales", "documentacion_subida"),
            "loop on app",
            10.0,
            *_span(days, 0.55, 30),
            segment=("channel", "app"),
            locate=True,
        ),
        Planted(
            "loop",
            ("oferta_enviada", "pago_comision"),
            "loop (weak)",
            1.5,
            segment=("channel", "centro_llamadas"),
        ),
        Planted(
            "failure", ("pago_fallido",), "fee payment fails", 20.0, segment=("channel", "web")
        ),
        Planted("failure", ("documentacion_caducada",), "expired documents (weak)", 1.5),
        Planted(
            "wait",
            ("verificacion_identidad", "evaluacion_riesgo"),
            "branch wait",
            8.0,
            *_span(days, 0.15, 28),
            segment=("channel", "oficina"),
        ),
        Planted(
            "wait",
            ("verificacion_identidad", "evaluacion_riesgo"),
            "wait (weak, 5 days)",
            3.0,
            *_span(days, 0.9, 5),
        ),
        Planted(
            "after_goal",
            ("cuenta_activada",),
            "slow activation",
            10.0,
            *_span(days, 0.70, 30),
            outcomes=LATER,
            echo_days=20,
        ),
        Planted(
            "after_goal",
            ("cuenta_activada",),
            "slow activation (weak, 5 days)",
            10.0,
            *_span(days, 0.08, 5),
            outcomes=LATER,
            echo_days=20,
        ),
    ]
    forbidden = [
        Forbidden("abandonment", ("prestamo_denegado", "baja_cliente"), "an outcome by design"),
        Forbidden("abandonment", ("visita_web", "simulador_prestamo"), "prospects never start"),
    ]
    return Truth(START, GOAL, p, forbidden)


def write(path, n: int = 5000, days: int = 182, *, planted: bool = True, seed: int = 1) -> Truth:
    """Write the events as Parquet at ``path``; return the truth (empty when not planted)."""
    rng = random.Random(seed)
    t = truth(days)
    plants = {p.label: p for p in t.planted}
    events = Events(
        rng,
        START,
        stray=("notificacion_abierta", "faq_consultada"),
        properties=("segmento", "producto"),
    )
    counted = {label: set() for label in plants}
    for i in range(n):
        _person(rng, events, f"c{i:07d}", days, planted, plants, counted)
    events.write(path)
    if not planted:
        t.planted = []
    for p in t.planted:
        p.customers = len(counted[p.label])
    return t


def _in(p: Planted, day: int) -> bool:
    return p.first_day is None or p.first_day <= day <= p.last_day


def _person(rng, events: Events, cid, days, planted, plants, counted) -> None:
    props = {
        "segmento": rng.choices(["particular", "autonomo"], [0.8, 0.2])[0],
        "producto": rng.choices(["prestamo_personal", "hipoteca"], [0.85, 0.15])[0],
    }
    channel = rng.choices(CHANNELS, [0.45, 0.35, 0.12, 0.08])[0]
    clock = [rng.uniform(0, days - 1) * DAY]

    def emit(event: str, on: str = channel, gap: float | None = None) -> None:
        clock[0] += rng.uniform(20, 300) if gap is None else gap
        events.emit(cid, clock[0], event, on, props)

    def hit(label: str, day: int) -> bool:
        return planted and _in(plants[label], day)

    emit("visita_web", "web")
    weak_sim = hit("incident (weak)", int(clock[0] // DAY))
    if rng.random() < (0.45 if weak_sim else 0.3):
        emit("simulador_prestamo", "web")
        if weak_sim:
            counted["incident (weak)"].add(cid)
    if rng.random() < 0.45:
        if rng.random() < 0.3:
            emit("visita_web", "web", gap=rng.uniform(1, 20) * DAY)
        return

    # Everyone who applies may stop after any step, with the same small chance (a clean data
    # set has no abandonment point); a planted problem makes its customers stop right there.
    def stops(keep: float = 1.0) -> bool:
        return rng.random() < QUIT or rng.random() >= keep

    emit("solicitud_iniciada", gap=rng.uniform(0.5, 48) * 3600)
    day = int(clock[0] // DAY)
    incident = hit("incident", day)
    # During the incident half of the applicants give up, at any later step.
    give_up = rng.randrange(6) if incident and rng.random() < 0.5 else None

    # The incident touches a customer only where it changed what they did (issue 24's "touching
    # at least 10 customers"): an error or call they would not have had, or giving up; those
    # merely active during it are not counted.
    def touched(draw: float, base: float) -> bool:
        if incident and draw >= base:
            counted["incident"].add(cid)
        return True

    def gave_up(step: int) -> bool:
        return give_up == step and touched(1.0, 0.0)

    if (draw := rng.random()) < (0.12 if incident else 0.04) and touched(draw, 0.04):
        emit("fallo_conexion")
    if (draw := rng.random()) < (0.18 if incident else 0.06) and touched(draw, 0.06):
        emit("llamada_asesor", "centro_llamadas")
    if stops() or gave_up(0):
        return
    emit("datos_personales")
    if stops() or gave_up(1):
        return
    emit("documentacion_subida")
    if channel == "app" and hit("loop on app", day):
        counted["loop on app"].add(cid)
        for _ in range(2 + (rng.random() < 0.5)):
            emit("datos_personales")
            emit("documentacion_subida")
        if stops(0.3):
            return
    elif rng.random() < 0.03:
        emit("datos_personales")
        emit("documentacion_subida")
    expired = 0.015 if planted else 0.01
    if rng.random() < expired:
        if planted and rng.random() < 1 / 3:
            counted["expired documents (weak)"].add(cid)
        for _ in range(2):
            emit("documentacion_caducada")
            emit("documentacion_subida")
    elif rng.random() < 0.03:
        emit("documentacion_caducada")
        emit("documentacion_subida")
    if stops() or gave_up(2):
        return
    if channel == "oficina":
        emit("cita_oficina", "oficina", gap=rng.uniform(2, 72) * 3600)
    elif channel == "centro_llamadas" or rng.random() < 0.05:
        emit("llamada_asesor", "centro_llamadas")
    emit("verificacion_identidad")
    wait = DAY * math.exp(rng.gauss(0, 0.5))
    day = int(clock[0] // DAY)
    if channel == "oficina" and hit("branch wait", day):
        counted["branch wait"].add(cid)
        wait *= 8
        if stops(0.5):
            return
    elif hit("wait (weak, 5 days)", day):
        counted["wait (weak, 5 days)"].add(cid)
        wait *= 3
    if stops() or gave_up(3):
        return
    emit("evaluacion_riesgo", gap=wait)
    if rng.random() < 0.25:
        emit("prestamo_denegado", gap=rng.uniform(1, 30) * 3600)
        return
    emit("oferta_enviada", gap=rng.uniform(1, 24) * 3600)
    if stops() or gave_up(4):
        return
    emit("pago_comision")
    if channel == "web" and planted and rng.random() < 0.35:
        counted["fee payment fails"].add(cid)
        for _ in range(2):
            emit("pago_fallido")
            emit("pago_comision")
        if stops(0.3):
            return
    elif rng.random() < 0.03:
        emit("pago_fallido")
        emit("pago_comision")
    weak_loop = 0.045 if planted else 0.03
    if channel == "centro_llamadas" and rng.random() < weak_loop:
        if planted and rng.random() < 1 / 3:
            counted["loop (weak)"].add(cid)
        for _ in range(2):
            emit("oferta_enviada")
            emit("pago_comision")
    if stops() or gave_up(5):
        return
    emit(GOAL)
    signed = int(clock[0] // DAY)
    activation = DAY * math.exp(rng.gauss(0, 0.5))
    leave = 0.05
    for label in ("slow activation", "slow activation (weak, 5 days)"):
        if hit(label, signed):
            counted[label].add(cid)
            activation *= 10
            leave = 0.4
    emit("cuenta_activada", gap=activation)
    if rng.random() < leave:
        emit("baja_cliente", gap=rng.uniform(1, 20) * DAY)
    elif rng.random() < 0.9:
        emit("primer_uso", "app", gap=rng.uniform(0.1, 5) * DAY)
