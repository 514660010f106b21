"""The exceptions the CLI turns into one line and an exit code instead of a traceback."""


class UserError(Exception):
    """Bad input from the person running interplay: a config, a file, an option value (exit code 2)."""


class StopRequested(KeyboardInterrupt):
    """A training run stopped on a signal after saving a checkpoint; `exit_code` is the shell's 128 + signal."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + signum
