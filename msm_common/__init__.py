"""What every layer of msm-eval shares, and so sits below all of them: the error type for bad user
input with the safe readers of user files (errors), and facts about the machine (hardware).

It imports nothing from solvers, scorers, msm_eval or training (tests/test_layers.py checks this).
"""
