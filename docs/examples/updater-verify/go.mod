module example.com/updater-verify

go 1.19
