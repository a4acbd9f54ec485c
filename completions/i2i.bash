_i2i_completion() {
    local IFS=$'
'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \
                   COMP_CWORD=$COMP_CWORD \
                   _I2I_COMPLETE=complete_bash $1 ) )
    return 0
}

complete -o default -F _i2i_completion i2i
