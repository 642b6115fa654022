package dev.outrigger.meshtastic;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.health.ProblemSource;
import dev.outrigger.mesh.MeshRadio;

/**
 * For the runtime's health, the radios whose serial device is plugged in and cannot be opened (the
 * runtime's user not in the dialout group, another program holding it), and those whose region was
 * never set (nothing is transmitted): each needs someone to fix it. A radio unplugged, or out of
 * reach over TCP, is no such problem: the node's MeshtasticLinkUp condition tells it.
 */
@Component
public class RadioProblems implements ProblemSource {

    /** This bundle's radios, configured or discovered. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private final List<MeshRadio> radios = new CopyOnWriteArrayList<>();

    @Override
    public List<String> problems() {
        return radios.stream().filter(Radio.class::isInstance).map(Radio.class::cast).flatMap(r -> r.problem().stream()).toList();
    }
}
