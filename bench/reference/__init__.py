"""Reference stacks: the same three task endpoints built the way each framework's docs show.

Performance targets are set relative to these, so the benchmark measures them beside
the API in the same run, on the same machine. The interface is in ``stacks.py``; this
package imports nothing at load, so neither server pulls in the other or the project.
"""
