"""The exceptions dlcv raises: each says what happened and what to do about it."""


class DlcvError(Exception):
    """Base class of every error dlcv raises on purpose."""


class ConfigError(DlcvError, ValueError):
    """A setting (environment variable or argument) has a value dlcv cannot use."""


class DataUnavailableError(DlcvError):
    """The data asked for is not on disk and could not be fetched."""


class DownloadError(DlcvError):
    """A download failed or its checksum did not match; nothing corrupt was kept."""


class ArchiveError(DlcvError):
    """An archive is corrupt, too large or holds a member that would escape its folder."""


class RunCacheError(DlcvError):
    """The run cache cannot be used (for example its folder is not writable)."""


class TrainingDivergedError(DlcvError):
    """Training's loss became NaN or infinite: the run is not kept."""


class MissingRunError(RunCacheError):
    """Training is forbidden (``DLCV_TRAINING=forbid``) and a run is not in the run cache."""


class BundleError(DlcvError):
    """A bundle of runs is damaged, forged, hostile, or made by other training code."""
