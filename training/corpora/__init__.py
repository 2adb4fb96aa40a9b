"""Offline demo corpora for MSM: midtraining documents and AFT chats composed from fragments.

The shipped files under this folder are rebuilt byte-for-byte by
``python -m training.corpora.build``.
"""
