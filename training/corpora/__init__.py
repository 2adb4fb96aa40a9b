"""Offline demo corpora for MSM: midtraining documents and AFT chats composed from hand-written texts.

The texts are the YAML files under texts/; the shipped files under this folder are rebuilt from
them byte-for-byte by ``python -m training.corpora.build`` (see README.md).
"""
