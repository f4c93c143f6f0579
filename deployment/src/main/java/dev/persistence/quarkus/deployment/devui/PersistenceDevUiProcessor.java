package dev.persistence.quarkus.deployment.devui;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.jboss.jandex.MethodInfo;

import dev.persistence.cdi.AsyncReturnTypes;
import dev.persistence.quarkus.deployment.LockedMethodBuildItem;
import dev.persistence.quarkus.devui.PersistenceJsonRpcService;
import io.quarkus.deployment.IsLocalDevelopment;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.devui.spi.JsonRPCProvidersBuildItem;
import io.quarkus.devui.spi.buildtime.BuildTimeActionBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;

/*
 * The Dev UI card (dev mode only): a live page of holders and waiters with the storage settings and
 * a "recover now" action (JSON-RPC to PersistenceJsonRpcService), and a table of the @Locked methods
 * the build step found (LockedMethodBuildItem) (also a JSON-RPC build-time action, getLockedMethods).
 */
public class PersistenceDevUiProcessor {

    @BuildStep(onlyIf = IsLocalDevelopment.class)
    CardPageBuildItem card(List<LockedMethodBuildItem> lockedMethods) {
        List<Map<String, Object>> methods = lockedMethods(lockedMethods);
        CardPageBuildItem card = new CardPageBuildItem();
        card.addBuildTimeData("lockedMethods", methods);
        card.addPage(Page.webComponentPageBuilder()
                .title("Locks")
                .componentLink("qwc-persistence-locks.js")
                .icon("font-awesome-solid:lock"));
        card.addPage(Page.tableDataPageBuilder("@Locked methods")
                .icon("font-awesome-solid:list")
                .buildTimeDataKey("lockedMethods")
                .showColumn("method").showColumn("path").showColumn("mode").showColumn("returns")
                .showColumn("note")
                .staticLabel(String.valueOf(methods.size())));
        return card;
    }

    @BuildStep(onlyIf = IsLocalDevelopment.class)
    JsonRPCProvidersBuildItem jsonRpc() {
        return new JsonRPCProvidersBuildItem(PersistenceJsonRpcService.class);
    }

    @BuildStep(onlyIf = IsLocalDevelopment.class)
    BuildTimeActionBuildItem lockedMethodsAction(List<LockedMethodBuildItem> lockedMethods) {
        List<Map<String, Object>> methods = lockedMethods(lockedMethods);
        BuildTimeActionBuildItem actions = new BuildTimeActionBuildItem();
        actions.actionBuilder().methodName("getLockedMethods")
                .description("The @Locked methods of the application: path template, mode, return type")
                .function(params -> methods).build();
        return actions;
    }

    /** Every method ArC binds to the {@code @Locked} interceptor (method, class, stereotype), by name. */
    static List<Map<String, Object>> lockedMethods(List<LockedMethodBuildItem> lockedMethods) {
        List<Map<String, Object>> methods = new ArrayList<>();
        for (LockedMethodBuildItem locked : lockedMethods) {
            MethodInfo method = locked.method();
            boolean asynchronous = locked.kind() == AsyncReturnTypes.Kind.STAGE
                    || locked.kind() == AsyncReturnTypes.Kind.PLUG_IN;
            methods.add(Map.of(
                    "method", method.declaringClass().name() + "#" + method.name(),
                    "path", String.join(", ", locked.binding().paths()),
                    "mode", locked.binding().mode().name(),
                    "returns", method.returnType().name().toString(),
                    "note", asynchronous ? "asynchronous: the lock is held until the returned work completes" : ""));
        }
        methods.sort(Comparator.comparing(m -> (String) m.get("method")));
        return methods;
    }
}
