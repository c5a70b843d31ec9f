"""Lesson 15 runs quickly; its parameter counts are exact and its custom loss passes the check."""
from __future__ import annotations


from pynet import lessons
from pynet.lessons import quick_run

def load_lesson():
    return lessons.load_lesson("15_lecture_mlp_baseline")


def test_quick_run():
    lesson = load_lesson()
    report, text = quick_run(lesson)
    assert "Baseline Error:" in text and "Total params: 623,290" in text
    rows = [r for r in report.rows if r.quantity == "parameters"]
    assert [r.ours for r in rows] == ["623290", "238510"] and all(r.agree for r in rows)
    assert not report.failures


def test_listing_loss_gradient_is_checked_and_a_wrong_one_fails():
    lesson = load_lesson()
    import numpy as np
    from pynet.gradient_check import check_gradients

    loss = lesson.listing_cross_entropy()
    rng = np.random.default_rng(0)
    p = rng.uniform(0.1, 0.9, (3, 10))
    y = np.eye(10)[[1, 4, 7]]
    good = check_gradients(lambda: loss(y, p), {"p": p}, {"p": loss.gradient(y, p)}, eps=1e-5)
    assert good.ok
    wrong = loss.gradient(y, p) * 1.01   # a 1% error must be caught
    assert not check_gradients(lambda: loss(y, p), {"p": p}, {"p": wrong}, eps=1e-5).ok
