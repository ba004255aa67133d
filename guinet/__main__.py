import sys

from guinet.cli import main

sys.exit(main())
