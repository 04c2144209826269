"""``python -m translator.simulator`` == ``dlms simulate``."""

import argparse
import sys

from .cli import EPILOG, add_arguments, run_simulate

parser = argparse.ArgumentParser(prog="dlms simulate", description="DLMS/COSEM meter simulator",
                                 epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arguments(parser)
sys.exit(run_simulate(parser.parse_args()))
