# bash completion for the narrate command (installed to share/bash-completion/completions/narrate)
_narrate() {
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "cat check stats tree replay diff export flame recover --help --version" -- "$cur"))
        return
    fi
    case "$prev" in
        --format) COMPREPLY=($(compgen -W "chrome ctf jsonl otlp-json" -- "$cur")); return ;;
        --sort) COMPREPLY=($(compgen -W "calls total self p50 p95 p99 errors" -- "$cur")); return ;;
        --by) COMPREPLY=($(compgen -W "all thread corr" -- "$cur")); return ;;
        --tid|--fn|--corr|--since|--until|--top|--depth) return ;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        local filters="--tid --fn --corr --since --until --help"
        case "$cmd" in
            cat) COMPREPLY=($(compgen -W "--json --plain $filters" -- "$cur")) ;;
            stats|diff) COMPREPLY=($(compgen -W "--sort --top $filters" -- "$cur")) ;;
            tree|replay) COMPREPLY=($(compgen -W "--depth $filters" -- "$cur")) ;;
            export) COMPREPLY=($(compgen -W "--format -o $filters" -- "$cur")) ;;
            flame) COMPREPLY=($(compgen -W "-o --depth --by $filters" -- "$cur")) ;;
            recover) COMPREPLY=($(compgen -W "-o --help" -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "$filters" -- "$cur")) ;;
        esac
        return
    fi
    if [ "$cmd" = recover ]; then COMPREPLY=($(compgen -d -- "$cur")); return; fi
    COMPREPLY=($(compgen -f -X '!*.trace*' -- "$cur") $(compgen -d -- "$cur"))
}
complete -o filenames -F _narrate narrate
