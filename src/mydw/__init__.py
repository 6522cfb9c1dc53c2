"""mydw — Movies You Didn't Watch, in the terminal."""

__version__ = "0.1.0"
