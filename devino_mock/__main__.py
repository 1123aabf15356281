from devino_mock.cli import main

raise SystemExit(main())
