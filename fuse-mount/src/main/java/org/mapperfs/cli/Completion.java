package org.mapperfs.cli;

import java.util.ArrayList;
import java.util.List;
import org.mapperfs.core.TargetRegistry;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The shell completion of {@code mapperfs}: picocli's script, made from the same command model
 * as the help (commands, options, option values), and around it the names of the devices of
 * the mount ({@code -m}, else {@code $MAPPERFS_MOUNT}, else /run/mapperfs) where a command takes
 * a device NAME, read from the mount's folder (no JVM starts on TAB), and the target names as
 * the third word of a {@code --table} value. bash runs it as is; zsh
 * through bashcompinit, which the script loads itself.
 */
final class Completion {
    private Completion() {}

    static String script() {
        CommandLine all = Main.commandLine(new Context());
        return AutoComplete.bash("mapperfs", all) + devices(deviceCommands(all),
                TargetRegistry.standard().types());
    }

    /** The commands whose first positional parameter is an existing device's NAME. */
    static List<String> deviceCommands(CommandLine all) {
        List<String> names = new ArrayList<>();
        for (CommandLine sub : new java.util.LinkedHashSet<>(all.getSubcommands().values())) {
            CommandSpec spec = sub.getCommandSpec();
            List<PositionalParamSpec> positionals = spec.positionalParameters();
            if (!spec.name().equals("create") && !positionals.isEmpty()
                    && positionals.get(0).paramLabel().equals("NAME")) {
                names.add(spec.name());
                names.addAll(List.of(spec.aliases()));
            }
        }
        return names;
    }

    private static String devices(List<String> commands, java.util.Collection<String> targets) {
        return """

                # mapperfs: device names where a command takes one, from the mount's folder.
                _mapperfs_devices() {
                  local mnt="${MAPPERFS_MOUNT:-/run/mapperfs}" i
                  for ((i = 1; i < COMP_CWORD; i++)); do
                    case "${COMP_WORDS[i]}" in
                      -m|--mount) mnt="${COMP_WORDS[i+1]}" ;;
                      --mount=*) mnt="${COMP_WORDS[i]#--mount=}" ;;
                    esac
                  done
                  [ -f "$mnt/control" ] || return 0
                  local f
                  for f in "$mnt"/*; do
                    f="${f##*/}"
                    [ "$f" != control ] && [ "$f" != '*' ] && printf '%%s\\n' "$f"
                  done
                }

                _mapperfs_complete() {
                  local cur="${COMP_WORDS[COMP_CWORD]}" cmd="" at=0 i
                  # A target's name as the third word of a --table value: "0 2048 li<TAB>
                  if [ "${COMP_WORDS[COMP_CWORD-1]}" = --table ]; then
                    local v="$cur" q="" t
                    case "$v" in \\"*|\\'*) q="${v:0:1}"; v="${v:1}" ;; esac
                    if [[ $v =~ ^([0-9]+[[:space:]]+[0-9]+[[:space:]]+)([a-z-]*)$ ]]; then
                      COMPREPLY=()
                      for t in %s; do
                        [[ "$t" == "${BASH_REMATCH[2]}"* ]] && COMPREPLY+=("$q${BASH_REMATCH[1]}$t")
                      done
                      return 0
                    fi
                  fi
                  for ((i = 1; i < COMP_CWORD; i++)); do
                    case "${COMP_WORDS[i]}" in
                      -m|--mount) ((i++)) ;;
                      -*) ;;
                      *) cmd="${COMP_WORDS[i]}"; at=$i; break ;;
                    esac
                  done
                  if [ -n "$cmd" ] && [[ "$cur" != -* ]] && [[ " %s " == *" $cmd "* ]]; then
                    local n=0
                    for ((i = at + 1; i < COMP_CWORD; i++)); do
                      [[ "${COMP_WORDS[i]}" != -* ]] && ((n++))
                    done
                    if [ "$n" -eq 0 ]; then
                      local IFS=$'\\n'
                      COMPREPLY=($(compgen -W "$(_mapperfs_devices)" -- "$cur"))
                      return 0
                    fi
                  fi
                  _complete_mapperfs "$@"
                }

                complete -F _mapperfs_complete -o default mapperfs
                """.formatted(String.join(" ", targets), String.join(" ", commands));
    }
}
