package dev.persistence.quarkus.deployment.devui;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.DotName;
import org.jboss.jandex.MethodInfo;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.cdi.LockedInterceptor;
import dev.persistence.quarkus.devui.PersistenceJsonRpcService;
import io.quarkus.deployment.IsLocalDevelopment;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.CombinedIndexBuildItem;
import io.quarkus.devui.spi.JsonRPCProvidersBuildItem;
import io.quarkus.devui.spi.buildtime.BuildTimeActionBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;

/*
 * The Dev UI card (dev mode only): a live page of holders and waiters with the storage settings and
 * a "recover now" action (JSON-RPC to PersistenceJsonRpcService), and a table of the @Locked methods
 * found at build time (also a JSON-RPC build-time action, getLockedMethods).
 */
public class PersistenceDevUiProcessor {

    private static final DotName LOCKED = DotName.createSimple(Locked.class);
    /** Return types whose work outlives the call: the interceptor holds the lock until that work completes. */
    private static final Set<String> ASYNCHRONOUS = Set.of("java.util.concurrent.CompletionStage",
            "java.util.concurrent.CompletableFuture", "io.smallrye.mutiny.Uni", "io.smallrye.mutiny.Multi",
            "java.util.concurrent.Flow$Publisher", "org.reactivestreams.Publisher");

    @BuildStep(onlyIf = IsLocalDevelopment.class)
    CardPageBuildItem card(CombinedIndexBuildItem index) {
        List<Map<String, Object>> methods = lockedMethods(index);
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
    BuildTimeActionBuildItem lockedMethodsAction(CombinedIndexBuildItem index) {
        List<Map<String, Object>> methods = lockedMethods(index);
        BuildTimeActionBuildItem actions = new BuildTimeActionBuildItem();
        actions.actionBuilder().methodName("getLockedMethods")
                .description("The @Locked methods of the application: path template, mode, return type")
                .function(params -> methods).build();
        return actions;
    }

    /** Every @Locked business method: declared on it, or inherited from its class's annotation. */
    static List<Map<String, Object>> lockedMethods(CombinedIndexBuildItem index) {
        List<Map<String, Object>> methods = new ArrayList<>();
        for (AnnotationInstance locked : index.getIndex().getAnnotations(LOCKED)) {
            AnnotationTarget target = locked.target();
            if (target.kind() == AnnotationTarget.Kind.METHOD) {
                methods.add(describe(locked, target.asMethod()));
            } else if (target.kind() == AnnotationTarget.Kind.CLASS
                    && !target.asClass().name().toString().equals(LockedInterceptor.class.getName())) {
                for (MethodInfo method : target.asClass().methods()) {
                    if (!method.name().startsWith("<") && !Modifier.isStatic(method.flags())
                            && !Modifier.isPrivate(method.flags()) && !method.isSynthetic()
                            && !method.hasDeclaredAnnotation(LOCKED)) {
                        methods.add(describe(locked, method));
                    }
                }
            }
        }
        methods.sort(Comparator.comparing(m -> (String) m.get("method")));
        return methods;
    }

    private static Map<String, Object> describe(AnnotationInstance locked, MethodInfo method) {
        AnnotationValue mode = locked.value("mode");
        String returns = method.returnType().name().toString();
        return Map.of(
                "method", method.declaringClass().name() + "#" + method.name(),
                "path", locked.value("path").asString(),
                "mode", mode == null ? LockMode.WRITE.name() : mode.asEnum(),
                "returns", returns,
                "note", ASYNCHRONOUS.contains(returns)
                        ? "asynchronous: the lock is held until the returned work completes" : "");
    }
}
