from echoless.cli.app import main

main()
