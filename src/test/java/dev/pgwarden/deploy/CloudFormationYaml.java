package dev.pgwarden.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads CloudFormation YAML with SnakeYAML: the short-form intrinsic tags ({@code !Ref},
 * {@code !GetAtt}, {@code !Sub}, ...) become their long form ({@code {Ref: x}},
 * {@code {Fn::GetAtt: [r, attr]}}, ...), so a template can be checked as plain maps and lists.
 */
final class CloudFormationYaml {
    private static final List<String> FUNCTIONS = List.of("Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs",
            "ImportValue", "Join", "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or",
            "Contains", "EachMemberEquals", "ValueOf", "Length", "ToJsonString");

    private CloudFormationYaml() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String text) {
        return (Map<String, Object>) new Yaml(new IntrinsicConstructor()).load(text);
    }

    private static final class IntrinsicConstructor extends SafeConstructor {
        IntrinsicConstructor() {
            super(new LoaderOptions());
            yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
            for (String f : FUNCTIONS) {
                yamlConstructors.put(new Tag("!" + f), new Intrinsic("Fn::" + f));
            }
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String key;

            Intrinsic(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                Object value;
                if (node instanceof ScalarNode scalar) {
                    String s = constructScalar(scalar);
                    // !GetAtt Resource.Attribute is short for [Resource, Attribute].
                    value = key.equals("Fn::GetAtt") && s.contains(".")
                            ? List.of(s.substring(0, s.indexOf('.')), s.substring(s.indexOf('.') + 1))
                            : s;
                } else if (node instanceof SequenceNode seq) {
                    value = constructSequence(seq);
                } else {
                    value = constructMapping((MappingNode) node);
                }
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put(key, value);
                return fn;
            }
        }
    }
}
