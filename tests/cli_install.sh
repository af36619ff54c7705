# cli_install.sh - `make install` honours PREFIX and DESTDIR and installs the
# binary, every manual page and the bash completion; `make uninstall` removes them.
. tests/lib.sh
dest=$TMP/dest
out=$(make -s install DESTDIR="$dest" PREFIX=/opt/m 2>&1)
check "make install succeeds" test $? -eq 0
check "the installed binary runs" "$dest/opt/m/bin/model" version
n_src=$(ls man/*.1 | wc -l)
n_dst=$(ls "$dest/opt/m/share/man/man1/"*.1 2>/dev/null | wc -l)
check "every manual page is installed ($n_src)" test "$n_src" -eq "$n_dst"
check "bash completion is installed" test -s "$dest/opt/m/share/bash-completion/completions/model"
check "installed completion completes commands" bash -c ". '$dest/opt/m/share/bash-completion/completions/model' && complete -p model"
make -s uninstall DESTDIR="$dest" PREFIX=/opt/m >/dev/null 2>&1
check "make uninstall removes the binary and pages" test ! -e "$dest/opt/m/bin/model" -a -z "$(ls "$dest/opt/m/share/man/man1/" 2>/dev/null)"
finish
