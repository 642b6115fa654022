package dev.outrigger.remote;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The groups this gateway belongs to. A change re-subscribes the remote configuration endpoint. */
@Component(service = Membership.class, configurationPid = Membership.PID)
@Designate(ocd = MembershipConfig.class)
public class Membership {

    static final String PID = "dev.outrigger.remote.groups";

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final List<String> groups;

    @Activate
    public Membership(MembershipConfig config) {
        this.groups = Stream.of(config.groups()).filter(g -> {
            boolean valid = NAME.matcher(g).matches();
            if (!valid) {
                LOG.warn("Remote configuration: group name {} ignored: letters, digits, - and _ only", g);
            }
            return valid;
        }).distinct().toList();
    }

    public List<String> groups() {
        return groups;
    }
}
