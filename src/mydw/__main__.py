from mydw.cli.app import main

main()
