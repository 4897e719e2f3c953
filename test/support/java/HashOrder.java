import java.util.*;
public class HashOrder {
  public static void main(String[] a) throws Exception {
    // ops on stdin: "+name" adds, "-name" removes, "?" prints the order, "c" the order of a
    // clone, each one line, comma separated. The set is a HashSet(8) as DataNode's children,
    // or with the argument "default" a HashSet() as a session's ephemerals.
    Scanner sc = new Scanner(System.in);
    HashSet<String> s = a.length > 0 && a[0].equals("default") ? new HashSet<String>() : new HashSet<String>(8);
    while (sc.hasNextLine()) {
      String l = sc.nextLine();
      if (l.startsWith("+")) s.add(l.substring(1));
      else if (l.startsWith("-")) s.remove(l.substring(1));
      else if (l.equals("c")) System.out.println(String.join(",", (HashSet<String>) s.clone()));
      else System.out.println(String.join(",", s));
    }
  }
}
