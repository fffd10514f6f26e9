from nncheck.cli import main

raise SystemExit(main())
