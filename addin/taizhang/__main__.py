from taizhang.doors.cli import main

raise SystemExit(main())
