"""The runtime shell: the pipeline (app), the service and its scheduler and jobs, the IMAP
watcher, the outbox worker, health and metrics, replicas (election, leader, instance lock),
the parse worker, status and logging. It does the I/O; the core decides.
"""
