# cli_man.sh - every manual page renders without groff warnings, every
# implemented command has one, and every option a command's --help lists is
# documented in its page.
. tests/lib.sh

for page in man/*.1; do
    check "renders cleanly: $page" bash -c "out=\$(groff -man -Tutf8 -ww -z '$page' 2>&1); [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
done

commands=$(model help | awk '/^  [a-z]/ {print $1}')
check "help lists commands" test -n "$commands"
for c in $commands; do
    if ! help=$(model "$c" --help 2>&1); then
        skip "man page of $c" "'model $c' is not implemented yet"
        continue
    fi
    page=man/model-$c.1
    [ "$c" = help ] || [ "$c" = version ] && page=man/model.1
    check "man page exists for $c" test -f "$page"
    [ -f "$page" ] || continue
    missing=""
    # man pages write dashes as \-; compare with them undone
    text=$(sed 's/\\-/-/g' "$page")
    for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u); do
        [ "$opt" = --help ] && continue
        grep -qE -- "${opt}([^a-z0-9-]|$)" <<<"$text" || missing="$missing $opt"
    done
    if [ -z "$missing" ]; then _ok "$page documents every option of 'model $c'"
    else _fail "$page documents every option of 'model $c'" "missing:$missing"; fi
done
finish
