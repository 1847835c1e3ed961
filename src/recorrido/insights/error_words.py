"""Which event names read as a failure: a bilingual (Spanish / English) vocabulary of word forms.

A name is **error-like** when, lower-cased, it contains one of the stems below. Stems, not whole
words, so that the forms of a word match: ``fallid`` finds ``pago_fallido`` / ``firma_fallida``,
``rechaz`` finds ``rechazo`` / ``rechazado``, ``deneg`` finds ``denegado`` / ``denegación``,
``caduc`` finds ``caducado`` / ``caducidad``, ``declin`` finds ``declined`` / ``declinado``.
Substrings also catch names written together (``PaymentFailed`` → ``paymentfailed``).

**Cancellations are not failures.** A cancelled order or application is a decision (the
customer's or the company's) that ends the journey by design; the abandonment detector treats
it as an outcome, not as going quiet, and it is not counted as an error at a step. ``declin`` is
kept because a declined payment is the payment failing; a *declined application* (BPI 2012's
``A_DECLINED``) also reads as a failure here, which is right for the failure detector (the
applicant failed to get the loan) and is why discovery never takes a failure as the goal.
"""

from __future__ import annotations

import re

import ibis

STEMS: tuple[str, ...] = (
    # English
    "error",
    "fail",
    "retry",
    "denied",
    "deny",
    "declin",
    "reject",
    "timeout",
    "timed_out",
    "exception",
    "invalid",
    "expired",
    "incident",
    # Spanish (stems that follow the word's forms)
    "fallo",
    "falló",
    "fallid",
    "fallad",
    "rechaz",
    "deneg",
    "reintent",
    "incidenc",
    "caduc",
    "inválid",
    "invalid",
    "excepci",
    "errón",
    "erron",
)


def pattern(stems: tuple[str, ...] = STEMS) -> str:
    """A regular expression matching any of ``stems`` (lower-case names)."""
    return "|".join(re.escape(s.lower()) for s in dict.fromkeys(stems))


def is_error_name(name: str, stems: tuple[str, ...] = STEMS) -> bool:
    """Whether an event name reads as a failure (in Python, for small lists of names)."""
    return bool(stems) and re.search(pattern(stems), str(name).lower()) is not None


def is_error_column(column: ibis.Value, stems: tuple[str, ...] = STEMS) -> ibis.Value:
    """The same test on an Ibis string column (runs on the engine)."""
    if not stems:
        return ibis.literal(False)
    return column.lower().re_search(pattern(stems))


def among(column: ibis.Value, names: list[str]) -> ibis.Value:
    """Whether ``column`` is one of ``names`` (from :meth:`Journeys.names_where`): NULL where the
    column is NULL, as the name test itself would be."""
    if names:
        return column.isin(names)
    return ibis.cases((column.isnull(), ibis.null("boolean")), else_=ibis.literal(False))


def error_names(journeys, stems: tuple[str, ...] = STEMS) -> list[str]:
    """The event names of ``journeys`` that read as a failure (:func:`is_error_column` run once
    on the distinct names); test a column with :func:`among`."""
    return journeys.names_where(f"error:{pattern(stems)}", lambda c: is_error_column(c, stems))


def is_error_event(journeys, column: ibis.Value, stems: tuple[str, ...] = STEMS) -> ibis.Value:
    """:func:`is_error_column` on a column of ``journeys``' event names, by name lookup."""
    if not stems:
        return ibis.literal(False)
    return among(column, error_names(journeys, stems))


def error_free(journeys, stems: tuple[str, ...] = STEMS) -> bool:
    """Whether leaving out the error-like events (``~is_error_event``) leaves every event of
    ``journeys``: none reads as an error, and none is nameless (a name test on a NULL name is
    NULL, and a filter drops it). A relation of the error-free events is then the same as one
    of all events, and a window already worked out on these can be read instead."""
    if not stems:
        return True
    return not error_names(journeys, stems) and not journeys.has_nameless_events()
